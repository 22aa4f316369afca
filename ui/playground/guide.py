"""Tab: how to read the stage (the first tab, and a light one: a Step redraws no chart here)."""

import streamlit as st

GUIDE = """
**The network** (left). Each small square is one neuron's output over the input plane (x1 across, x2 up):
blue where it is positive, vermillion where negative, each square on its own scale; the outputs in their
class's colour, by probability. An edge is one weight: blue positive, vermillion negative, thicker = larger.
A layer wider than 16 shows its 16 most active and says how many more there are.

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
    st.markdown(GUIDE)
