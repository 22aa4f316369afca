"""Figure builders are pure: numbers in, figures out, the numbers where they belong."""

import re

import numpy as np

import nncore
from nncore import lessons
from ui import figures


def test_loss_curve_marks_the_current_iteration():
    fig = figures.curves([0, 1, 2, 3], {"train": [4.0, 3.0, 2.0, 1.0]}, 2)
    marker = [t for t in fig.data if t.mode == "markers"][0]
    assert list(marker.x) == [2] and list(marker.y) == [2.0]
    assert fig.layout.shapes[0].x0 == 2


def test_gradient_inspector_shows_the_arrays_as_given():
    W, dW = np.arange(6.0).reshape(2, 3), -np.arange(6.0).reshape(2, 3) * 1e-6
    b, db = np.ones((1, 3)), np.array([[0.0, 2.0, -4.0]])
    values = figures.gradient_inspector(W, b, side="values", layer="dense1")
    grads = figures.gradient_inspector(dW, db, side="gradients", layer="dense1")
    assert [np.array(t.z).tolist() for fig in (values, grads) for t in fig.data] == \
        [W.tolist(), b.tolist(), dW.tolist(), db.tolist()]
    assert list(values.data[0].y) == [0, 1] and list(values.data[0].x) == [0, 1, 2]
    assert "input %{y}, neuron %{x}" in values.data[0].hovertemplate
    assert "dL/dw = %{z:.10g}" in grads.data[0].hovertemplate
    # Each panel its own scale, centred on 0 and reaching its own largest |value|, with a colour bar:
    # dL/dW (5e-6) is not washed out by W (5) nor by dL/db (4).
    ends = []
    for fig in (values, grads):
        for trace in fig.data:
            axis = fig.layout[trace.coloraxis]
            assert axis.cmin == -axis.cmax and axis.colorbar.x is not None
            ends.append(axis.cmax)
    assert ends == [5.0, 1.0, 5.0 * 1e-6, 4.0]


def test_gradient_inspector_at_128_neurons_is_legible():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(128, 128))
    fig = figures.gradient_inspector(W * 1e-4, np.zeros((1, 128)), side="gradients", layer="dense2", big=True)
    assert all(t.texttemplate is None for t in fig.data)  # no numbers crammed into 4-pixel cells
    # At most 6 tick labels per axis on a projector (every 25th index: 0, 25, ..., 125).
    for axis in (fig.layout.xaxis2, fig.layout.yaxis):
        assert axis.tickmode == "linear" and -(-128 // axis.dtick) <= 6
    assert fig.layout.coloraxis2.cmin == -1 and fig.layout.coloraxis2.cmax == 1  # all-zero biases: a real scale
    assert fig.layout.height <= 720


def test_neuron_summary_bars_are_the_neuron_norms():
    W, dW = np.array([[3.0, 0.0], [4.0, 1.0]]), np.array([[0.0, -6.0], [0.0, 8.0]])
    fig = figures.neuron_summary(W, dW, np.array([[0.5, -2.0]]), np.array([[-1.0, 0.0]]), layer="dense1")
    bars = {(t.yaxis, t.marker.color): list(t.y) for t in fig.data}
    assert bars[("y", "#333333")] == [0.0, 10.0] and bars[("y", "#E69F00")] == [1.0, 0.0]   # ‖dL/dw_j‖, |dL/db_j|
    assert bars[("y2", "#333333")] == [5.0, 1.0] and bars[("y2", "#E69F00")] == [0.5, 2.0]  # ‖w_j‖, |b_j|


def drawn_edges(fig):
    """The edge traces of a network diagram (not the legend's entries, which have no points)."""
    return [t for t in fig.data if t.mode == "lines" and t.x[0] is not None]


def test_network_diagram_draws_every_weight_once():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(2, 5)), rng.normal(size=(5, 3))]
    fig = figures.network_diagram([2, 5, 3], weights)
    edges = sum(np.isnan(np.array(t.x, dtype=float)).sum() for t in drawn_edges(fig))
    assert edges == 2 * 5 + 5 * 3
    # Coloured by sign: as many blue edges as positive weights, vermillion as negative ones.
    def edges_in(color):
        return sum(np.isnan(np.array(t.x, dtype=float)).sum() for t in drawn_edges(fig) if t.line.color == color)
    assert edges_in(figures.POSITIVE) == sum((w > 0).sum() for w in weights) > 0
    assert edges_in(figures.NEGATIVE) == sum((w < 0).sum() for w in weights) > 0


def test_network_diagram_at_128_neurons_draws_the_16_strongest():
    rng = np.random.default_rng(2)
    # Neuron j's incoming weights grow with j (plus noise below the step): the strongest are 112..127.
    scale = np.arange(1, 129) * 10.0
    weights = [rng.normal(size=(2, 128)) + scale, rng.normal(size=(128, 128)) + scale, rng.normal(size=(128, 3))]
    fig = figures.network_diagram([2, 128, 128, 3], weights, names=["dense1", "dense2", "dense3"], big=True)
    nodes = [t for t in fig.data if t.mode == "markers"]
    assert [len(t.y) for t in nodes] == [2, 16, 16, 3]
    assert [t.text[0] for t in nodes[1:3]] == [
        f"{name}, neuron 112<br>‖incoming w‖ = {np.linalg.norm(w[:, 112]):.10g}"
        for name, w in (("dense1", weights[0]), ("dense2", weights[1]))]
    texts = [a.text for a in fig.layout.annotations]
    assert sum(t.startswith("+112 more") for t in texts) == 2 and "64 largest of 256 edges" in texts
    edges = sum(np.isnan(np.array(t.x, dtype=float)).sum() for t in drawn_edges(fig))
    assert edges == 2 * 16 + 64 + 16 * 3
    # The legend says what colour and width mean.
    assert {"w > 0", "w < 0"} <= {t.name for t in fig.data if t.showlegend is not False}


def test_neuron_graph_carries_the_iteration_numbers():
    record = lessons.single_neuron(1).records[0]
    svg = figures.neuron_graph(record)
    # Iteration 0: loss 36, dL/dw1 = 12 * x1 = -24; 8 digits on the node, every digit on hover.
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "\n" not in svg  # one Markdown block
    assert ">value 36<" in svg and "<title>w1: value -1.0, grad -24.0</title>" in svg and ">grad -24<" in svg
    assert svg.count("<rect") == 13 and svg.count("marker-end") == 12  # 13 nodes, 12 edges
    late = figures.neuron_graph(lessons.single_neuron(200).records[199], digits=4)
    assert ">value -3.399</text>" in late and "<title>w0: value -3.399067529436235," in late


def test_number_table_keeps_every_number_whole():
    table = figures.number_table(["param", "before"], [["w0", -3.39906752944123], ["<b>", 1e-5]], digits=6)
    assert '<td class="num" title="-3.39906752944123">-3.39907</td>' in table
    assert "<td>&lt;b&gt;</td>" in table and 'title="1e-05">1e-05<' in table
    assert figures.tex(-2.71348e-05) == r"-2.71348\mathrm{e}{-}05" and figures.tex(0.5) == "0.5"


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


def test_lesson_loss_curve_marks_the_current_iteration_on_a_log_axis():
    svg = figures.loss_curve_svg([100.0, 10.0, 1.0, 0.1], 2, title="Loss")
    assert "<title>iteration 2: loss 1.0</title>" in svg and "\n" not in svg
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert len(points) == 4 and np.allclose(np.diff(ys), ys[1] - ys[0])  # equal steps: one decade each
    assert ">1e2<" in svg and ">1e-1<" in svg
    marker = re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert points[2] == f"{marker.group(1)},{marker.group(2)}"


def test_layer_histograms_by_hand():
    """Two layers of a batch of 2: dense1's neuron 0 dead (a = 0 on both samples), its gradients 1e-6 and
    3e-6 (and one exact 0), the output's 0.01 to 0.04. One log axis, whole decades 1e-6 .. 1e-1, the zero
    in a bar of its own; the dead neuron's values stacked apart, grey; titles count the marks."""
    layers = [
        {"name": "dense1", "activation": "relu", "a": np.array([[0.0, 1.0], [0.0, 3.0]]),
         "grad": np.array([[1e-6, 0.0], [3e-6, 2e-6]]), "state": np.array([nncore.DEAD, nncore.WORKING])},
        {"name": "dense2", "activation": "softmax", "a": np.array([[0.25, 0.75], [0.5, 0.5]]),
         "grad": np.array([[0.01, -0.02], [0.04, -0.03]]), "state": np.array([nncore.WORKING, nncore.WORKING])},
    ]
    fig = figures.layer_histograms(layers)
    titles = [a.text for a in fig.layout.annotations]
    assert "<b>dense1</b> · 2 relu · 1 of 2 dead" in titles and "<b>dense2</b> · 2 softmax (output)" in titles
    bars = {(t.xaxis, t.name): t for t in fig.data}
    # dense1's activations: the dead neuron's two 0s in the first bin (0 .. 0.1 of 0 .. 3), the working 1 and 3.
    dead_a, live_a = bars[("x", "dead or saturated neurons")], bars[("x", "working neurons")]
    assert dead_a.y[0] == 2 and sum(dead_a.y) == 2 and sum(live_a.y) == 2 and live_a.y[-1] == 1
    assert dead_a.customdata[0] == "from 0 to 0.1" and fig.layout.xaxis.range == (0.0, 3.0)
    # Gradients: decades -6 .. -1, 20 bins of a quarter decade; the zero bar at -7, ticked "0".
    live_g, dead_g = bars[("x2", "working neurons")], bars[("x2", "dead or saturated neurons")]
    assert live_g.x[0] == -7 and live_g.y[0] == 1 and live_g.customdata[0] == "exactly 0"
    assert dead_g.y[0] == 0 and sum(dead_g.y) == 2           # 1e-6 and 3e-6, the dead neuron's
    assert dead_g.customdata[1] == "from 1e-06 to 1.778e-06" and dead_g.y[1] == 1   # 10^-6 .. 10^-5.75
    assert fig.layout.xaxis2.range == (-7.6, -1.0) == fig.layout.xaxis4.range
    assert list(fig.layout.xaxis2.ticktext)[0] == "0"
    assert sum(bars[("x4", "working neurons")].y) == 4
    # By value: one symmetric axis out to the largest |gradient|, 0.04; no zero bar.
    linear = figures.layer_histograms(layers, log_gradients=False)
    assert linear.layout.xaxis2.range == (-0.04, 0.04) and len(linear.data[2].x) == 31
    # Log counts: from 0.5 (a bin of 1 shows) to all 4 values of the layer.
    counted = figures.layer_histograms(layers, log_counts=True)
    assert counted.layout.yaxis.type == "log" and counted.layout.yaxis.range == (np.log10(0.5), np.log10(4) + 0.1)
