"""Tab: how to read the stage (the first tab, and a light one: a Step redraws no chart here)."""

import streamlit as st

NETWORK = """
**The network** (left). Each small square is one neuron's output over the input plane (x1 across, x2 up):
blue where it is positive, vermillion where negative, each square on its own scale; the outputs in their
class's colour, by probability. An edge is one weight: blue positive, vermillion negative, thicker = larger.
A layer wider than 16 shows its 16 most active and says how many more there are.
"""

# Regression (sine, abs): one input, one output value; the book's chapter 17.
REGRESSION = """
**Regression** (the book's chapter 17): the network learns a curve y(x1) from the points (x1, y). The middle
panel draws the points and, over them, the network's output at every x1 (vermillion), recomputed from each
frame's weights. The loss is the mean squared error; the accuracy is the book's for regression: the share of
points whose prediction is within std(y) / 250 of its target, a strict test that a curve may pass late.

**The network** (left). Each small square is one neuron's output a(x1) along x1, left to right: a strip,
blue where positive, vermillion where negative, and its curve drawn over it (mid-height is 0; each square on
its own scale). A ReLU neuron's curve is flat, then a straight slope: the fit is made of such kinks. The
output, y, is on the same scale. An edge is one weight: blue positive, vermillion negative, thicker = larger.
A layer wider than 16 shows its 16 most active and says how many more there are. −dL/dx arrows are
horizontal here: x1 is a point's only input (its y is the target, not an input).

**Classification only:** the challenges, drawing your own points and CSV upload make classification data
(choosing one leaves regression).
"""

GUIDE = """
**weights | gradients.** *gradients* redraws every edge by dL/dw (the gradient the next update applies:
plain SGD moves the weight by −learning rate × dL/dw) and puts a bar beside each neuron: ‖dL/da‖, the
gradient it receives from the layer after it. Where the bars shrink toward the inputs, gradients vanish.

**Click** a neuron to enlarge its map with its incoming weights and their gradients; click an edge to open
that weight in **One weight**, its chain rule beside a finite-difference check.

**Step** plays one iteration in three phases: the forward pass lights the layers left to right, the
backward pass sends the gradients back from the loss along the edges, the update moves the edges
(*Step: instant* turns this off, *3 s* slows it). **−dL/dx** draws, on each training point, the way the
point would have to move to lower its own loss (the notes' section 4).

**The line above the pictures** is the one iteration number on the page: iteration N is the state after N
updates, with its loss and accuracy, as drawn.
"""


def show(pg, snap):
    st.markdown((REGRESSION if pg.config.regression else NETWORK) + GUIDE)
