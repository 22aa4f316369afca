"""Tab: per layer, the histograms of the batch's activations and of the gradients the layers send back."""

import streamlit as st

from ui import figures
from ui.controls import presentation
from ui.state import K

CAPTION_LOG = (
    "Every sample of the batch times every neuron is one count. Right: |dL/da| on one log axis for all layers, "
    "a step of 1e1 is 10 times larger. Gradients that vanish sit decades left of the output's: each layer "
    "passes back its gradient times its weights and its activation's slope (a sigmoid's is at most 0.25; "
    "a saturated neuron's, below 1% of that). Left: an activation piled at one value (sigmoids all at 0.5: "
    "the layer ignores its input), at 0 (dead ReLUs) or at the ends (saturated) is why. Grey, hatched: the "
    "values of dead or saturated neurons; the stage marks the same neurons.")
CAPTION_LINEAR = (
    "Every sample of the batch times every neuron is one count. Right: dL/da on one linear axis for all "
    "layers: the layers whose gradients vanish pile up at 0 (switch the log axis on to see by how many "
    "decades). Grey, hatched: the values of dead or saturated neurons; the stage marks the same neurons.")


def show(pg, snap):
    a, b = st.columns(2)
    log = a.toggle("Gradients on a log |value| axis", value=True, key=K.HIST_LOG,
                   help="Off: by value, on one linear axis (the sign shows; vanishing gradients pile at 0).")
    log_counts = b.toggle("Counts on a log axis", key=K.HIST_LOG_COUNTS,
                          help="Where one bin holds nearly everything (the zeros of dead ReLUs), the rest shows.")
    st.plotly_chart(figures.layer_histograms(snap.network.layer_values(), log_gradients=log, log_counts=log_counts,
                                             big=presentation()))
    st.caption(f"Iteration {snap.iteration}, its batch of {len(snap.batch)} samples. "
               + (CAPTION_LOG if log else CAPTION_LINEAR))
