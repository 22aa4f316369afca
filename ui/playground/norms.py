"""Tab: the gradient norm of every layer over the iterations."""

import streamlit as st

from ui import figures
from ui.controls import presentation


def show(pg, snap):
    h = pg.history()
    layers = [layer.name for layer in snap.network.dense_layers]
    st.plotly_chart(figures.gradient_norms(
        h["iteration"], {n: h[f"grad_norm.{n}"] for n in layers}, snap.iteration, big=presentation()))
    st.caption("‖dL/dW‖ per layer. Falling by orders of magnitude toward the input layers: vanishing "
               "gradients (the preset *Vanishing gradients*: SGD barely moves the first layers; Adam at learning "
               "rate 0.01, which scales each weight's step by its own gradient, learns). Growing without bound: "
               "exploding (try a huge learning rate).")
