"""One neuron (notes, section 2): ReLU(x . w + b) under a squared loss, step by step."""

import numpy as np
import pandas as pd
import streamlit as st

from nncore import lessons
from ui import data, figures, lesson_landscape
from ui.boot import require_app
from ui.controls import compact_top, lesson_autoplay, lesson_transport, presentation
from ui.state import K

require_app(__file__)

PRECISIONS = {"notes": "as printed in the notes", "float64": "exact float64"}
NUMBERS_NOTE = ("The notes ran after `nnfs.init`, which makes every `np.dot` return float32: each dot product "
                "is rounded to about 7 digits before the bias is added, so their numbers drift from exact float64 "
                "in the 8th digit (final bias 0.6009044964517248 in the notes, 0.6009044964039992 exactly).")

compact_top()
st.title("One neuron, step by step")
st.markdown("Inputs **x = [1, -2, 3]**, weights **w = [-3, -1, 2]**, bias **b = 1**, a ReLU, and the loss "
            "**L = ReLU(sum)²** (target 0). Each iteration: forward, the chain rule backward, then "
            "**w ← w − 0.001 · dL/dw**.")

precision = st.segmented_control("Numbers", list(PRECISIONS), format_func=PRECISIONS.get, default="notes",
                                 key=K.NEURON_PRECISION, required=True,
                                 help=NUMBERS_NOTE if presentation() else None)
if not presentation():  # a projector shows the essentials; the note is in the control's tooltip
    st.caption(NUMBERS_NOTE)

lesson = data.lesson("neuron", precision)
it = lesson_transport(K.NEURON_IT, K.NEURON_PLAYING, len(lesson.losses), slider_key=K.NEURON_SLIDER)
r = lesson.records[it - 1]
n = lambda v: figures.fmt(v, None)  # noqa: E731  every number as Python prints it, like the notes

st.subheader(f"Iteration {it}")
st.markdown(f"Loss printed by the notes' loop: `Iteration {it}, Loss: {n(r['loss'])}`")

left, right = st.columns([1, 1], gap="large")
with left:
    st.markdown("#### 1 · Forward")
    x, w = r["inputs"], r["weights"]
    products = [f"({n(x[i])})({n(w[i])})" for i in range(3)]
    st.latex(r"\begin{aligned}\text{sum} &= x_0w_0 + x_1w_1 + x_2w_2 + b \\ "
             rf"&= {products[0]} + {products[1]} \\ &\quad + {products[2]} + {n(r['bias'])} \\ "
             rf"&= {n(r['sum'])}\end{{aligned}}")
    st.latex(rf"\text{{ReLU}}(\text{{sum}}) = \max(0, {n(r['sum'])}) = {n(r['relu'])}")
    st.latex(rf"L = \text{{ReLU}}(\text{{sum}})^2 = {n(r['loss'])}")

    st.markdown("#### 2 · Backward: one factor at a time")
    active = r["sum"] > 0
    relation = ">" if active else r"\le"
    st.latex(rf"\frac{{\partial L}}{{\partial \text{{ReLU}}}} = 2\,\text{{ReLU}}(\text{{sum}}) = "
             rf"2 \times {n(r['relu'])} = {n(r['dloss_drelu'])}")
    st.latex(rf"\frac{{\partial \text{{ReLU}}}}{{\partial \text{{sum}}}} = "
             rf"{'1' if active else '0'} \quad (\text{{sum}} = {n(r['sum'])} {relation} 0)")
    st.latex(r"\frac{\partial \text{sum}}{\partial \text{mul}_i} = 1, \qquad "
             r"\frac{\partial \text{mul}_i}{\partial w_i} = x_i, \qquad \frac{\partial \text{sum}}{\partial b} = 1")
    st.latex(r"\begin{aligned}\frac{\partial L}{\partial w_0} &= \frac{\partial L}{\partial \text{ReLU}} \cdot "
             r"\frac{\partial \text{ReLU}}{\partial \text{sum}} \cdot \frac{\partial \text{sum}}{\partial \text{mul}_0}"
             r" \cdot \frac{\partial \text{mul}_0}{\partial w_0} \\ "
             rf"&= {n(r['dloss_drelu'])} \cdot {n(r['drelu_dsum'])} \cdot 1 \cdot ({n(x[0])}) = {n(r['dweights'][0])}"
             r"\end{aligned}")

with right:
    st.markdown("#### 3 · Gradients, proved numerically")
    num_w, num_b, num_err = lessons.neuron_numerical_gradients(r)
    rows = []
    for i in range(3):
        rows.append({"parameter": f"w{i}", "chain rule": f"{n(r['dloss_drelu'])} · {n(r['drelu_dsum'])} · 1 · "
                     f"x{i}={n(x[i])}", "dL/dparam": r["dweights"][i], "numerical": num_w[i]})
    rows.append({"parameter": "b", "chain rule": f"{n(r['dloss_drelu'])} · {n(r['drelu_dsum'])} · 1",
                 "dL/dparam": r["dbias"], "numerical": num_b})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"dL/dparam": st.column_config.NumberColumn(format="%.10g"),
                                "numerical": st.column_config.NumberColumn(format="%.10g")})
    st.caption("Numerical: (L(p + ε) − L(p − ε)) / 2ε with ε = 1e-6, computed by nncore's own Dense and ReLU "
               f"in extended precision. Relative error against the chain rule: {num_err:.1e}"
               + (" (the notes' float32 dot product accounts for it)." if num_err > 1e-9 else "."))

    st.markdown(f"#### 4 · Update (learning rate {lesson.learning_rate:g})")
    step = f"− {lesson.learning_rate:g} · dL/dparam"
    upd = [{"parameter": f"w{i}", "before": w[i], step: -r["weight_step"][i], "after": r["new_weights"][i]}
           for i in range(3)]
    upd.append({"parameter": "b", "before": r["bias"], step: -r["bias_step"], "after": r["new_bias"]})
    st.dataframe(pd.DataFrame(upd), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.12g")
                                for c in ("before", step, "after")})

st.markdown("#### The computation graph: each node's value (forward) and gradient dL/dnode (backward)")
st.graphviz_chart(figures.neuron_graph(r, digits=None if presentation() else 8), width="stretch")

st.plotly_chart(figures.curves(np.arange(1, len(lesson.losses) + 1), {"loss": lesson.losses}, it,
                                   title="Loss over the 200 iterations", big=presentation()),
                width="stretch")
lesson_landscape.show(lesson.records, it)
lesson_autoplay(K.NEURON_IT, K.NEURON_PLAYING, len(lesson.losses))
