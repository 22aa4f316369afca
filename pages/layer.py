"""One layer (notes, sections 3, 3.1 and 4): 3 neurons x 4 inputs, y = sum(ReLU(Z)), loss y**2."""

import streamlit as st

from nncore import lessons
from ui import data, figures
from ui.boot import require_app
from ui.controls import compact_top, lesson_css, lesson_heading, lesson_player, presentation
from ui.state import K

require_app(__file__)

PRECISIONS = {"notes": "as printed in the notes", "float64": "exact float64"}
NUMBERS_NOTE = ("The notes' first loop (cell 5) ran after `nnfs.init`, whose `np.dot` rounds to float32; their "
                "second loop (cell 13) happens to print the exact float64 numbers. Switch to compare.")


def vec(v, digits=8):
    return r"\begin{bmatrix}" + " & ".join(figures.tex(x, digits) for x in v) + r"\end{bmatrix}"


def col(v):
    return r"\begin{bmatrix}" + r" \\ ".join(figures.tex(x, 8) for x in v) + r"\end{bmatrix}"


def mat(m):
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(figures.tex(x, 6) for x in row) for row in m) + \
        r"\end{bmatrix}"


compact_top()
lesson_css()
st.title("One layer: 3 neurons, 4 inputs")
st.markdown("**X = [1, 2, 3, 4]**, each neuron i has a row of weights **w_i** and a bias **b_i**: "
            "**Z = W·X + B**, **A = ReLU(Z)**, **y = sum(A)**, loss **l = y²**. Learning rate 0.001. "
            "Iteration n is the state after n updates (0: the start).")
precision = st.segmented_control("Numbers", list(PRECISIONS), format_func=PRECISIONS.get, default="notes",
                                 key=K.LAYER_PRECISION, required=True,
                                 help=NUMBERS_NOTE if presentation() else None)
if not presentation():  # a projector shows the essentials; the note is in the control's tooltip
    st.caption(NUMBERS_NOTE)

lesson = data.lesson("layer", precision)
neurons = [f"neuron {i + 1}" for i in range(3)]


def notes_label(it, r):
    """Where the notes print iteration ``it``: their loop counts from 0, as here, and prints every 20th."""
    loss = figures.fmt(r["loss"], None)
    if it >= data.LESSON_UPDATES:
        return (f"The notes' loop has ended: they print these W and B as `Final weights` and `Final biases`. "
                f"Loss here: **{loss}**")
    if it % 20 == 0:
        return f"The notes print this iteration as `Iteration {it}, Loss: {loss}`"
    return f"Loss **{loss}** (the notes' loop counts as here, and prints every 20th iteration)."


def view(it):
    r, big = lesson.records[it], presentation()
    exercise = lessons.layer_predictions(lesson, it) if it < data.LESSON_UPDATES else None  # (none after the last)
    lesson_heading("layer", it, notes_label(it, r), exercise, K.LAYER_CHECKED)

    # Lazy tabs (on_change="rerun"): a Step draws the open one only.
    tab_grad, tab_notation, tab_inputs = st.tabs(["Gradients dL/dW and dL/dB", "Section 3.1 notation, filled in",
                                                  "Section 4: gradient with respect to the inputs"],
                                                 key=K.LAYER_TAB, on_change="rerun")
    inputs = [f"x{k + 1} = {figures.fmt(v, 4)}" for k, v in enumerate(r["X"])]
    if tab_grad.open:
        with tab_grad:
            # Shaded tables, not Plotly heatmaps: a Step redraws them at once, and every number is whole.
            c1, c2 = (st.container(), st.container()) if big else st.columns(2, gap="medium")
            c1.markdown("**W** (row i: neuron i's weights)")
            c1.markdown(figures.heat_table(r["W"], neurons, inputs), unsafe_allow_html=True)
            c2.markdown("**dL/dW = (dL/dZ)ᵀ · X** (outer product)")
            c2.markdown(figures.heat_table(r["dl_dW"], neurons, inputs), unsafe_allow_html=True)
            c1.markdown("**B**")
            c1.markdown(figures.heat_table(r["B"][None, :], ["b"], neurons), unsafe_allow_html=True)
            c2.markdown("**dL/dB = dL/dZ**")
            c2.markdown(figures.heat_table(r["dl_dB"][None, :], ["dL/dB"], neurons), unsafe_allow_html=True)
            st.markdown(
                f"**Why every row of dL/dW repeats the input vector.** dL/dw_in = dL/dz_i · dz_i/dw_in, and "
                f"dz_i/dw_in = x_n whatever the neuron. So row i is X = [1, 2, 3, 4] scaled by neuron i's dL/dz_i "
                f"= {', '.join(figures.fmt(v, 8) for v in r['dl_dZ'])}. A neuron whose ReLU is off (z ≤ 0) gets a row "
                f"of 0.")
            _, _, err = lessons.layer_numerical_gradients(r)
            st.markdown(f"**Numerical check** (central differences through nncore's Dense and ReLU, extended "
                        f"precision): relative error against the chain rule **{err:.1e}**"
                        + (" — the notes' float32 dot products account for it." if precision == "notes" and err > 1e-9
                           else "."))

    if tab_notation.open:
        with tab_notation:
            # One relation per line, long ones broken at the "=": no number is ever cut at the right edge.
            st.latex(r"\begin{aligned}\frac{\partial l}{\partial w_{in}} &= \frac{\partial l}{\partial y}\,"
                     r"\frac{\partial y}{\partial a_i}\,\frac{\partial a_i}{\partial z_i}\,"
                     r"\frac{\partial z_i}{\partial w_{in}} \\ \frac{\partial l}{\partial b_i} &= "
                     r"\frac{\partial l}{\partial y}\,\frac{\partial y}{\partial a_i}\,"
                     r"\frac{\partial a_i}{\partial z_i}\cdot 1\end{aligned}")
            st.latex(rf"\begin{{aligned}}\vec Z &= W\vec X + \vec B = {vec(r['Z'])} \\ "
                     rf"\vec A &= \text{{ReLU}}(\vec Z) = {vec(r['A'])} \\ "
                     rf"y &= {figures.tex(r['y'], 10)} \\ l &= y^2 = {figures.tex(r['loss'], 10)}\end{{aligned}}")
            st.latex(rf"\begin{{aligned}}\frac{{\partial l}}{{\partial y}} &= 2y = {figures.tex(r['dl_dy'], 10)} \\ "
                     rf"\frac{{\partial y}}{{\partial a_i}} &= 1 \\ \frac{{\partial a_i}}{{\partial z_i}} &= "
                     rf"{vec(r['dA_dZ'])}\end{{aligned}}")
            st.latex(rf"\frac{{\partial l}}{{\partial \vec Z}} = {vec(r['dl_dZ'])}")
            st.latex(rf"\begin{{aligned}}\frac{{\partial l}}{{\partial W}} &= "
                     rf"\left(\frac{{\partial l}}{{\partial \vec Z}}\right)^T \vec X = {col(r['dl_dZ'])} "
                     rf"{vec(r['X'])} \\ &= {mat(r['dl_dW'])}\end{{aligned}}")
            st.latex(rf"\frac{{\partial l}}{{\partial \vec B}} = \frac{{\partial l}}{{\partial \vec Z}} = "
                     rf"{vec(r['dl_dB'])}")
            st.latex(rf"\begin{{aligned}}W &\leftarrow W - 0.001\,\frac{{\partial l}}{{\partial W}} \\ "
                     rf"&= {mat(r['new_W'])}\end{{aligned}}")

    if tab_inputs.open:
        with tab_inputs:
            st.markdown("When layers are chained, the layer below needs dl/dX. Each input x_n feeds **every** neuron, "
                        "so its gradient is a sum over neurons:")
            st.latex(r"\begin{aligned}\frac{\partial l}{\partial x_n} &= \sum_i \frac{\partial l}{\partial z_i}\,"
                     r"\frac{\partial z_i}{\partial x_n} = \sum_i \frac{\partial l}{\partial z_i}\, w_{in} \\ "
                     r"\Longrightarrow\quad \frac{\partial l}{\partial \vec X} &= "
                     r"\frac{\partial l}{\partial \vec Z}\,W\end{aligned}")
            st.latex(rf"\begin{{aligned}}\frac{{\partial l}}{{\partial \vec X}} &= {vec(r['dl_dZ'])} \\ "
                     rf"&\quad \times {mat(r['W'])} \\ &= {vec(r['dl_dX'], 6)}\end{{aligned}}")
            st.markdown("**Layer_Dense stores W transposed.** The notes write W as (neurons × inputs); the "
                        "book's `Layer_Dense` (and nncore's `Dense`) keeps `weights` as (inputs × neurons) so that "
                        "the forward pass is `inputs @ weights`. The same numbers, two layouts — so backward uses "
                        "`dinputs = dvalues @ weights.T`:")
            a, b = (st.container(), st.container()) if big else st.columns(2, gap="medium")
            a.markdown("**Notes: W** (neurons × inputs)")
            a.markdown(figures.heat_table(r["W"], neurons, [f"x{k + 1}" for k in range(4)]), unsafe_allow_html=True)
            b.markdown("**Dense.weights = Wᵀ** (inputs × neurons)")
            b.markdown(figures.heat_table(r["W"].T, [f"x{k + 1}" for k in range(4)], neurons), unsafe_allow_html=True)

    st.markdown(figures.loss_curve_svg(lesson.losses, it, title=f"Loss over the {data.LESSON_UPDATES} updates "
                                       f"(log scale; hover the marker)", big=big), unsafe_allow_html=True)


lesson_player(K.LAYER_IT, K.LAYER_PLAYING, data.LESSON_UPDATES, view, slider_key=K.LAYER_SLIDER)
