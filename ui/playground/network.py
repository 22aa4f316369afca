"""Tab: the network diagram, edges by |w| or |dL/dw|."""

import streamlit as st

from ui import figures
from ui.controls import presentation
from ui.state import K


def show(pg, snap):
    net = snap.network
    mode = st.segmented_control("Edge width", ["|w|", "|dL/dw|"], default="|w|", key=K.EDGE_MODE, required=True)
    sizes = [net.n_inputs] + [layer.n_neurons for layer in net.dense_layers]
    weights = [layer.weights for layer in net.dense_layers]
    values = weights if mode == "|w|" else [layer.dweights for layer in net.dense_layers]
    st.plotly_chart(pg.figure(f"network.{mode}", lambda: figures.network_diagram(
        sizes, weights, edge_values=values, edge_label=mode, big=presentation())))
