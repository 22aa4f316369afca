"""One neuron (notes, section 2): ReLU(x . w + b) under a squared loss, step by step."""

import numpy as np
import streamlit as st

from nncore import lessons
from ui import data, figures, lesson_landscape
from ui.boot import require_app
from ui.controls import compact_top, lesson_css, lesson_heading, lesson_player, presentation
from ui.state import K

require_app(__file__)

PRECISIONS = {"notes": "as printed in the notes", "float64": "exact float64"}
NUMBERS_NOTE = ("The notes ran after `nnfs.init`, which makes every `np.dot` return float32: each dot product "
                "is rounded to about 7 digits before the bias is added, so their numbers drift from exact float64 "
                "in the 8th digit (final bias 0.6009044964517248 in the notes, 0.6009044964039992 exactly).")

compact_top()
lesson_css()
st.title("One neuron, step by step")
st.markdown("Inputs **x = [1, -2, 3]**, weights **w = [-3, -1, 2]**, bias **b = 1**, a ReLU, and the loss "
            "**L = ReLU(sum)²** (target 0). Each Step: forward, the chain rule backward, then "
            "**w ← w − 0.001 · dL/dw**. Iteration n is the state after n updates (0: the start).")

precision = st.segmented_control("Numbers", list(PRECISIONS), format_func=PRECISIONS.get, default="notes",
                                 key=K.NEURON_PRECISION, required=True,
                                 help=NUMBERS_NOTE if presentation() else None)
if not presentation():  # a projector shows the essentials; the note is in the control's tooltip
    st.caption(NUMBERS_NOTE)

lesson = data.lesson("neuron", precision)
n = lambda v: figures.tex(v, None)  # noqa: E731  every number as Python prints it, like the notes


def notes_label(it, r):
    """Where the notes print iteration ``it``: their loop counts from 1 and prints before it updates."""
    if it < data.LESSON_UPDATES:
        return (f"The notes' loop counts from 1: it prints this state as "
                f"`Iteration {it + 1}, Loss: {figures.fmt(r['loss'], None)}`")
    return (f"The notes' loop has ended: they print these parameters as `Final weights: "
            f"{np.array2string(r['weights'], precision=8)}` and `Final bias: {figures.fmt(r['bias'], None)}`. "
            f"Loss here: {figures.fmt(r['loss'], None)}")


def view(it):
    r, big = lesson.records[it], presentation()
    exercise = lessons.neuron_predictions(lesson, it) if it < data.LESSON_UPDATES else None  # (none after the last)
    lesson_heading("neuron", it, notes_label(it, r), exercise, K.NEURON_CHECKED)

    # Side by side on a laptop; one under the other on a projector, where large type needs the width.
    left, right = (st.container(), st.container()) if big else st.columns([1, 1], gap="large")
    x, w = r["inputs"], r["weights"]
    with left:
        st.markdown("#### 1 · Forward")
        st.latex(r"\begin{aligned}\text{sum} &= x_0w_0 + x_1w_1 + x_2w_2 + b \\ "
                 rf"&= ({n(x[0])})({n(w[0])}) \\ &\quad + ({n(x[1])})({n(w[1])}) \\ "
                 rf"&\quad + ({n(x[2])})({n(w[2])}) \\ &\quad + {n(r['bias'])} \\ "
                 rf"&= {n(r['sum'])}\end{{aligned}}")
        st.latex(r"\begin{aligned}\text{ReLU}(\text{sum}) &= \max(0, \text{sum}) \\ "
                 rf"&= {n(r['relu'])}\end{{aligned}}")
        st.latex(rf"\begin{{aligned}}L &= \text{{ReLU}}(\text{{sum}})^2 \\ &= {n(r['loss'])}\end{{aligned}}")

        st.markdown("#### 2 · Backward: one factor at a time")
        active = r["sum"] > 0
        relation = ">" if active else r"\le"
        st.latex(r"\begin{aligned}\frac{\partial L}{\partial \text{ReLU}} &= 2\,\text{ReLU}(\text{sum}) \\ "
                 rf"&= 2 \times {n(r['relu'])} \\ &= {n(r['dloss_drelu'])}\end{{aligned}}")
        st.latex(rf"\frac{{\partial \text{{ReLU}}}}{{\partial \text{{sum}}}} = "
                 rf"{'1' if active else '0'} \quad (\text{{sum}} {relation} 0)")
        st.latex(r"\frac{\partial \text{sum}}{\partial \text{mul}_i} = 1, \quad "
                 r"\frac{\partial \text{mul}_i}{\partial w_i} = x_i, \quad \frac{\partial \text{sum}}{\partial b} = 1")
        st.latex(r"\begin{aligned}\frac{\partial L}{\partial w_0} &= \frac{\partial L}{\partial \text{ReLU}} \cdot "
                 r"\frac{\partial \text{ReLU}}{\partial \text{sum}} \cdot "
                 r"\frac{\partial \text{sum}}{\partial \text{mul}_0} \cdot "
                 r"\frac{\partial \text{mul}_0}{\partial w_0} \\ "
                 rf"&= {n(r['dloss_drelu'])} \cdot {n(r['drelu_dsum'])} \cdot 1 \cdot ({n(x[0])}) \\ "
                 rf"&= {n(r['dweights'][0])}\end{{aligned}}")

    with right:
        st.markdown("#### 3 · Gradients, proved numerically")
        num_w, num_b, num_err = lessons.neuron_numerical_gradients(r)
        factors = f"{figures.fmt(r['dloss_drelu'], 6)} · {figures.fmt(r['drelu_dsum'], None)} · 1"
        rows = [[f"w{i}", f"{factors} · x{i}", r["dweights"][i], num_w[i]] for i in range(3)]
        rows.append(["b", factors, r["dbias"], num_b])
        st.markdown(figures.number_table(["param", "chain rule", "dL/dparam", "numerical"], rows),
                    unsafe_allow_html=True)
        st.caption("Numerical: (L(p + ε) − L(p − ε)) / 2ε with ε = 1e-6, computed by nncore's own Dense and ReLU "
                   f"in extended precision. Relative error against the chain rule: {num_err:.1e}"
                   + (" (the notes' float32 dot product accounts for it)." if num_err > 1e-9 else ".")
                   + " Hover a number for all its digits.")

        st.markdown(f"#### 4 · Update (learning rate {lesson.learning_rate:g})")
        step = f"− {lesson.learning_rate:g} · dL/dparam"
        upd = [[f"w{i}", w[i], -r["weight_step"][i], r["new_weights"][i]] for i in range(3)]
        upd.append(["b", r["bias"], -r["bias_step"], r["new_bias"]])
        st.markdown(figures.number_table(["param", "before", step, f"after (iteration {it + 1})"], upd, digits=12),
                    unsafe_allow_html=True)

    st.markdown("#### The computation graph: each node's value (forward) and gradient dL/dnode (backward)")
    st.markdown(figures.neuron_graph(r, digits=5 if big else 8, big=big), unsafe_allow_html=True)
    st.caption("Hover a node for its value and gradient in full.")

    st.markdown(figures.loss_curve_svg(lesson.losses, it, title=f"Loss over the {data.LESSON_UPDATES} updates "
                                       f"(log scale; hover the marker)", big=big), unsafe_allow_html=True)
    lesson_landscape.show(lesson.records, it)


lesson_player(K.NEURON_IT, K.NEURON_PLAYING, data.LESSON_UPDATES, view, slider_key=K.NEURON_SLIDER)
