"""The one-neuron lesson's loss landscape: the loss over two of its parameters, the path of the
200 iterations on it, and the gradient at the current one (numbers from nncore.landscape)."""

import numpy as np
import streamlit as st

from nncore import landscape
from ui import figures
from ui.controls import presentation
from ui.state import K

# The choices, by their labels (a segmented control takes a tuple default for several defaults).
PAIRS = {f"{p} and {q}": (p, q) for p, q in (("w0", "b"), ("w1", "b"), ("w2", "b"), ("w0", "w1"), ("w0", "w2"),
                                              ("w1", "w2"))}
ARROW = 0.25  # the arrow's length, as a share of the box: the true gradient would leave the picture


def show(records, it):
    """``records``: the lesson's (nncore.lessons.single_neuron(...).records, records[n] the state after
    n updates); ``it``: the iteration on screen."""
    if not st.toggle("The loss landscape over two parameters", key=K.NEURON_LANDSCAPE_ON,
                     help="The loss over two of w0, w1, w2, b, the path of the 200 updates and −∇L; it follows "
                          "every Step (a contour plot: Step is quicker without it)"):
        return
    pair = PAIRS[st.segmented_control("Parameters on the axes", list(PAIRS), default="w0 and b",
                                      key=K.NEURON_LANDSCAPE, required=True)]
    g = landscape.neuron_loss_grid(records, it, pair)
    path, losses = landscape.neuron_path(records, pair)
    held = [name for name in landscape.NEURON_PARAMETERS if name not in pair]
    values = landscape.neuron_values(records[it])
    norm = float(np.hypot(*g["gradient"]))
    width = float(g["p"][-1] - g["p"][0])
    arrow = None
    if norm > 0:
        arrow = (g["point"], -g["gradient"] / norm * ARROW * width, "−∇L")
    chart, words = st.columns([3, 2], gap="large")
    chart.plotly_chart(figures.landscape(
        g["p"], g["q"], g["loss"],
        [{"name": f"the {len(path) - 1} updates", "xy": path, "iterations": np.arange(len(path)), "losses": losses,
          "current": it}],
        axis_titles=pair, arrow=arrow, big=presentation(),
        title=f"L over {pair[0]} and {pair[1]} at iteration {it}<br><sup>{held[0]} = {values[held[0]]:.6g} and "
              f"{held[1]} = {values[held[1]]:.6g} held</sup>"), width="stretch")
    gradient = f"(dL/d{pair[0]}, dL/d{pair[1]}) = ({g['gradient'][0]:.6g}, {g['gradient'][1]:.6g})"
    if presentation():  # the essentials, in type a projector can show
        words.markdown(f"The loss when only {pair[0]} and {pair[1]} change. White: the path of the 200 updates. "
                       + (f"Arrow: −∇L, at right angles to the contour: the way the update goes. ∇L = "
                          f"({g['gradient'][0]:.4g}, {g['gradient'][1]:.4g})." if arrow else "∇L = 0 here."))
        return
    words.caption(
        f"Colour and contours: the loss when only {pair[0]} and {pair[1]} change, the other two held at this "
        f"iteration's values. White line: where the 200 updates put {pair[0]} and {pair[1]} (hover: each "
        "one's own loss, with all four of its parameters). "
        + (f"Arrow: −∇L = −{gradient}, the direction of the update, drawn at a quarter of the box (the step "
           f"itself is 0.001 of the gradient); with one scale on both axes it crosses the contour at a right "
           "angle. Every gradient here is dL/dsum times (x0, x1, x2, 1), so the path is a straight line."
           if arrow else f"The gradient {gradient} is 0 here: the ReLU is off, and nothing moves."))
