"""Home: what Backprop Lab is and where to start."""

import streamlit as st

from ui.boot import require_app

require_app(__file__)

st.title("Backprop Lab")
st.markdown(
    "See backpropagation happen. Every number on these pages is computed by `nncore`, a small NumPy "
    "engine whose gradients are checked against finite differences."
)
PAGES = [
    ("pages/neuron.py", "One neuron", ":material/radio_button_checked:", "/neuron · notes section 2",
     "Step through ReLU(x·w + b)² one iteration at a time: every chain-rule factor filled in with its "
     "numbers, a computation graph, the update."),
    ("pages/layer.py", "One layer", ":material/view_column:", "/layer · notes sections 3–4",
     "3 neurons × 4 inputs: dL/dW as the outer product of dL/dZ and X, dL/dB, and dL/dX."),
    ("pages/playground.py", "Playground", ":material/tune:", "/playground · the book's chapter 10",
     "Train a network on spiral, circles, XOR… Step, play, rewind to any iteration, inspect every gradient."),
]
for col, (path, title, icon, where, text) in zip(st.columns(3), PAGES):
    with col.container(border=True):
        st.page_link(path, label=title, icon=icon)
        st.caption(where)
        st.markdown(text)
st.markdown("**Keys:** → step · Shift+→ step ×10 · Space play/pause · Home reset")
