"""Tab: the gradient inspector, W, dL/dW, b and dL/db of one layer at the iteration on view."""

import numpy as np
import pandas as pd
import streamlit as st

from ui import figures, summaries
from ui.controls import presentation
from ui.state import K

WIDE = 24   # more inputs or neurons than this: a per-neuron summary first, the full heatmap on a switch
LARGEST = 10


def show(pg, snap):
    net = snap.network
    name = st.selectbox("Layer", [layer.name for layer in net.dense_layers], key=K.INSPECT_LAYER)
    weights, dweights = net[f"{name}.weights"], net[f"{name}.dweights"]
    biases, dbiases = net[f"{name}.biases"], net[f"{name}.dbiases"]
    n_in, n_out = weights.shape
    # The first layer's inputs have names (x1, x2 and any features); a later layer's are the neurons before it.
    inputs = list(net.input_labels) if name == net.dense_layers[0].name else None
    st.caption("The gradients of this iteration's batch: what the next update uses. Hover for exact values.")
    wide = max(n_in, n_out) > WIDE
    heatmap = not wide or st.toggle(f"Show all {n_in} × {n_out} weights as a heatmap", key=K.INSPECT_HEATMAP)
    if heatmap:
        st.caption("Rows: input i, columns: neuron j, the biases under them. Blue +, vermillion −, white 0; "
                   "each side has its own scale.")
        # Two columns: side by side on a laptop, stacked on a phone (Streamlit stacks columns there).
        sides = zip(st.columns(2), (weights, dweights), (biases, dbiases), figures.INSPECTOR_SIDES)
        for col, matrix, bias, side in sides:
            col.plotly_chart(figures.gradient_inspector(matrix, bias, side=side, layer=name, inputs=inputs,
                                                        big=presentation()))
    else:
        st.plotly_chart(figures.neuron_summary(
            weights, dweights, biases, dbiases, layer=name, big=presentation()))
        st.caption(f"The {LARGEST} weights of {name} with the largest |dL/dw| (of {n_in * n_out:,}): the ones the "
                   "next update moves most.")
        top = pd.DataFrame(summaries.largest_entries(weights, dweights, LARGEST))
        st.dataframe(top, hide_index=True, column_config={
            c: st.column_config.NumberColumn(format="%.10g") for c in ("w", "dL/dw")})
    if st.toggle("Show every value as a table", key=K.INSPECT_TABLE):
        rows = inputs or [f"x{i}" for i in range(n_in)]
        cols = [f"n{j}" for j in range(n_out)]
        a, b = st.columns(2)
        for col, matrix, bias, label, title in ((a, weights, biases, "b", "W, with b as the last row"),
                                                (b, dweights, dbiases, "dL/db", "dL/dW, with dL/db as the last row")):
            col.caption(title)
            table = pd.DataFrame(np.vstack([matrix, np.ravel(bias)]), index=rows + [label], columns=cols)
            col.dataframe(table.style.format("{:.10g}"))
