"""Tab: one weight, its gradient by the chain rule and by finite differences, and its course."""

import numpy as np
import pandas as pd
import streamlit as st

import nncore
from ui import figures
from ui.controls import presentation
from ui.state import K


def show(pg, snap):
    trainer, net, view = pg.trainer, snap.network, snap.iteration
    a, b, c = st.columns(3)
    layer = a.selectbox("Layer", [dense.name for dense in net.dense_layers], key=K.WEIGHT_LAYER)
    shape = net[f"{layer}.weights"].shape
    # Start on a weight that is learning: the largest gradient of input 0.
    st.session_state.setdefault(K.WEIGHT_J, int(np.argmax(np.abs(net[f"{layer}.dweights"][0]))))
    i = b.number_input("Input i", 0, shape[0] - 1, key=K.WEIGHT_I)
    j = c.number_input("Neuron j", 0, shape[1] - 1, key=K.WEIGHT_J)
    i, j = min(int(i), shape[0] - 1), min(int(j), shape[1] - 1)
    terms = nncore.network.weight_terms(net, layer, i, j)
    X, y = trainer.X[snap.batch], trainer.y[snap.batch]
    numerical = nncore.numerical_gradient(net, X, y, f"{layer}.weights", (i, j))
    err = nncore.relative_error(terms["dweight"], numerical)
    floor = nncore.gradient_resolution(net, X, y)
    beyond = max(abs(terms["dweight"]), abs(numerical)) < floor  # both are "0" to finite differences
    # The first layer's input i has a name (x1, x2 or a feature such as x1²): say which.
    source = f"input {i} = {net.input_labels[i]}" if layer == net.dense_layers[0].name else f"input {i}"
    st.markdown(f"**w[{i}, {j}] = {net[f'{layer}.weights'][i, j]:.10g}** ({source} → neuron {j} of {layer})")
    m = st.columns(3)
    m[0].metric("dL/dw (backprop)", f"{terms['dweight']:.10g}")
    m[1].metric("numerical (finite differences)", f"{numerical:.10g}")
    m[2].metric("relative error", "below resolution" if beyond else f"{err:.1e}")
    if beyond:
        st.caption(f"This gradient is smaller than finite differences can resolve here (about {floor:.0e}: the "
                   "loss's rounding divided by the step), so the two cannot be compared: pick a weight that is "
                   "learning.")
    st.latex(r"\frac{\partial L}{\partial w_{ij}} = \sum_{s} x_{si}\,\frac{\partial L}{\partial z_{sj}}"
             + (r" + \text{regularisation}" if terms["regularization_gradient"] else "")
             + rf" = {terms['data_gradient']:.10g}"
             + (rf" + {terms['regularization_gradient']:.6g}" if terms["regularization_gradient"] else ""))
    n = len(terms["x"])
    table = pd.DataFrame({"sample s": snap.batch[:n], "x_si": terms["x"], "dL/dz_sj": terms["dz"],
                          "x_si · dL/dz_sj": terms["products"]})
    st.caption(f"The chain-rule factors for the {n} samples of this iteration's batch "
               "(dL/dz already carries the 1/N of the mean loss):")
    st.dataframe(table, hide_index=True, height=240,
                 column_config={col: st.column_config.NumberColumn(format="%.6g") for col in table.columns[1:]})
    its, values, grads = trainer.parameter_trace(f"{layer}.weights", (i, j))
    st.plotly_chart(figures.weight_trace(its, values, grads, view, name=f"{layer}.w[{i},{j}]", big=presentation()))
