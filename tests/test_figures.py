"""Figure builders are pure: numbers in, figures out, the numbers where they belong."""

import numpy as np

from nncore import lessons
from ui import figures


def test_loss_curve_marks_the_current_iteration():
    fig = figures.curves([0, 1, 2, 3], {"train": [4.0, 3.0, 2.0, 1.0]}, 2)
    marker = [t for t in fig.data if t.mode == "markers"][0]
    assert list(marker.x) == [2] and list(marker.y) == [2.0]
    assert fig.layout.shapes[0].x0 == 2


def test_gradient_inspector_shows_the_arrays_as_given():
    W, dW = np.arange(6.0).reshape(2, 3), -np.arange(6.0).reshape(2, 3)
    b, db = np.ones((1, 3)), np.zeros((1, 3))
    fig = figures.gradient_inspector(W, dW, b, db, layer="dense1")
    assert np.array_equal(np.array(fig.data[0].z), W) and np.array_equal(np.array(fig.data[1].z), dW)
    assert list(fig.data[0].y) == ["x0", "x1"] and list(fig.data[0].x) == ["n0", "n1", "n2"]


def test_network_diagram_draws_every_weight_once():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(2, 5)), rng.normal(size=(5, 3))]
    fig = figures.network_diagram([2, 5, 3], weights)
    edges = sum(np.isnan(np.array(t.x, dtype=float)).sum() for t in fig.data if t.mode == "lines")
    assert edges == 2 * 5 + 5 * 3
    # Coloured by sign: as many blue edges as positive weights, vermillion as negative ones.
    def edges_in(color):
        return sum(np.isnan(np.array(t.x, dtype=float)).sum() for t in fig.data
                   if t.mode == "lines" and t.line.color == color)
    assert edges_in(figures.POSITIVE) == sum((w > 0).sum() for w in weights) > 0
    assert edges_in(figures.NEGATIVE) == sum((w < 0).sum() for w in weights) > 0


def test_neuron_graph_carries_the_iteration_numbers():
    record = lessons.single_neuron(1).records[0]
    dot = figures.neuron_graph(record)
    assert dot.startswith("digraph") and "value 36.0" in dot and "grad -24.0" in dot and "grad 12.0" in dot


def test_boundary_shades_by_probability():
    probs = np.zeros((4, 4, 2))
    probs[..., 0] = 1.0
    fig = figures.boundary(probs, ((-1, 1), (-1, 1)), np.zeros((2, 2)), np.array([0, 1]), title="t")
    z = np.array(fig.data[0].z)
    assert z.shape == (4, 4, 3) and (z == z[0, 0]).all()  # certain everywhere: one colour
    assert [t.marker.symbol for t in fig.data[1:]] == ["circle", "square"]


def test_the_marker_sits_on_the_exact_value_or_nowhere():
    losses = np.linspace(2.0, 0.1, 50) + np.sin(np.arange(50))  # every value distinct
    its = np.arange(0, 100, 2)
    fig = figures.curves(its, {"train": losses}, 24)
    marker = [t for t in fig.data if t.mode == "markers"][0]
    assert list(marker.x) == [24] and list(marker.y) == [losses[12]]
    # 25 has no row of its own: no marker (never a neighbour's value passed off as its own).
    assert not [t for t in figures.curves(its, {"train": losses}, 25).data if t.mode == "markers"]
    # Series with their own iterations (two runs of different lengths).
    fig = figures.curves(None, {"A": (its, losses), "B": (its[:10], losses[:10] * 2)}, 18)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [list(m.y) for m in markers] == [[losses[9]], [losses[9] * 2]]
    assert list(fig.data[2].x) == list(its[:10])


def test_boundary_is_not_upside_down():
    probs = np.zeros((4, 4, 2))
    probs[:2, :, 0] = 1.0  # rows 0-1 are the bottom (y0): class 0
    probs[2:, :, 1] = 1.0  # the top: class 1
    fig = figures.boundary(probs, ((-1, 1), (-1, 1)), np.zeros((0, 2)), np.zeros(0, int), title="t")
    z = np.array(fig.data[0].z)  # image rows run top to bottom
    assert fig.data[0].y0 == 1 and fig.data[0].dy < 0
    top, bottom = z[0, 0], z[-1, 0]
    blue, orange = (np.array(list(bytes.fromhex(figures.CLASS_COLORS[k].lstrip("#"))), dtype=float) for k in (0, 1))
    assert np.argmax(top - top.mean()) == np.argmax(orange - orange.mean())    # reddish on top
    assert np.argmax(bottom - bottom.mean()) == np.argmax(blue - blue.mean())  # blue below
