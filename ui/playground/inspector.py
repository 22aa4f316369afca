"""Tab: the gradient inspector, W, dL/dW, b and dL/db of one layer at the iteration on view."""

import pandas as pd
import streamlit as st

from ui import figures
from ui.controls import presentation
from ui.state import K


def show(pg, snap):
    net = snap.network
    name = st.selectbox("Layer", [layer.name for layer in net.dense_layers], key=K.INSPECT_LAYER)
    weights, dweights = net[f"{name}.weights"], net[f"{name}.dweights"]
    biases, dbiases = net[f"{name}.biases"], net[f"{name}.dbiases"]
    st.caption("Rows: input i, columns: neuron j. Gradients at this iteration's weights, on its batch: what "
               "the next update uses (plain SGD moves each weight by −learning rate × dL/dw; momentum, Adagrad, "
               "RMSprop and Adam rescale it first). Hover for exact values.")
    st.plotly_chart(pg.figure(f"inspect.{name}", lambda: figures.gradient_inspector(
        weights, dweights, biases, dbiases, layer=name, big=presentation())))
    if st.toggle("Show as a table", key=K.INSPECT_TABLE):
        a, b = st.columns(2)
        a.dataframe(pd.DataFrame(weights, index=[f"x{i}" for i in range(len(weights))]).style.format("{:.6g}"))
        b.dataframe(pd.DataFrame(dweights, index=[f"x{i}" for i in range(len(dweights))]).style.format("{:.6g}"))
