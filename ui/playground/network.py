"""Tab: the network diagram, edges by |w| or |dL/dw|; wide layers show their strongest neurons."""

import streamlit as st

from ui import figures
from ui.controls import presentation
from ui.state import K

LIMIT = 16  # neurons drawn per layer: beyond that the edges are a tangle


def show(pg, snap):
    net = snap.network
    mode = st.segmented_control("Edge width", ["|w|", "|dL/dw|"], default="|w|", key=K.EDGE_MODE, required=True)
    layers = net.dense_layers
    sizes = [len(net.input_labels)] + [layer.n_neurons for layer in layers]  # the first layer's inputs, features too
    weights = [layer.weights for layer in layers]
    values = weights if mode == "|w|" else [layer.dweights for layer in layers]
    if max(sizes) > LIMIT:
        st.caption(f"Wide layers: the {LIMIT} neurons with the largest incoming {mode} are drawn. Hover a neuron "
                   "for its numbers; the gradient inspector shows every one.")
    st.plotly_chart(figures.network_diagram(
        sizes, weights, edge_values=values, edge_label=mode, names=[layer.name for layer in layers],
        inputs=net.input_labels, limit=LIMIT, big=presentation()))
