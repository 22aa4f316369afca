"""The loss landscapes on /neuron and in the playground's "Loss landscape" tab, through AppTest: the
path ends at the loss of the final weights, and the landscape at the current point is the loss on screen."""

import base64
import json
import re

import numpy as np
import pytest

from nncore import Dense, MeanSquaredError, Network, ReLU, lessons
from tests import notes_numbers as notes
from tests.test_app import app, button, iteration, loss_line, playground, text
from tests.test_landscape import plain_loss
from ui.state import K


def array(values):
    """An array from a chart's JSON: a list, or Plotly's typed array (base64 bytes, with its shape)."""
    if isinstance(values, dict):
        a = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        shape = values.get("shape")
        return a.reshape([int(n) for n in str(shape).split(",")]) if shape else a
    return np.asarray(values, dtype=float)


def landscape_chart(at):
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(c for c in charts if any(t["type"] == "contour" for t in c["data"]))


def at_current(chart, marker_name):
    """(the landscape's loss under the marker named ``marker_name``, the marker's own [iteration, loss])."""
    contour = next(t for t in chart["data"] if t["type"] == "contour")
    marker = next(t for t in chart["data"] if t["name"] == marker_name)
    x, y = array(marker["x"])[0], array(marker["y"])[0]
    col, row = list(array(contour["x"])).index(x), list(array(contour["y"])).index(y)  # a node of the grid
    return array(contour["customdata"])[row, col], array(marker["customdata"])[0]


def test_neuron_landscape_ends_at_the_final_weights_and_shows_the_printed_loss_now():
    at = app("pages/neuron.py")
    at.toggle(key=K.NEURON_LANDSCAPE_ON).set_value(True).run()
    button(at, "Step x10").click().run()
    assert iteration(at) == 10
    chart = landscape_chart(at)
    # The state after 10 updates: the notes' loop prints it as its "Iteration 11".
    shown = float(re.search(r"Iteration 11, Loss: ([0-9.e+-]+)", text(at)).group(1))
    here, marker = at_current(chart, "the 200 updates: iteration 10")
    assert here == shown == notes.NEURON_LOSSES[10] and marker.tolist() == [10, shown]
    path = next(t for t in chart["data"] if t["name"] == "the 200 updates")
    last = array(path["customdata"])[-1]
    # The path ends at iteration 200, the notes' final weights, with their loss through nncore's Dense and
    # ReLU in float64. The page shows the notes' numbers, whose dot product is float32 (7 digits): on a
    # sum of 0.0136 made of terms near 3 that is about 4e-5 of the sum, twice that of its square.
    final = lessons.single_neuron(201).records[-1]
    assert last[0] == 200
    net = Network([Dense(3, 1, weights=final["weights"].reshape(3, 1), biases=[[final["bias"]]]), ReLU()],
                  MeanSquaredError())
    direct = net.data_loss(net.forward(final["inputs"].reshape(1, 3)), np.zeros((1, 1)))
    assert abs(last[1] - direct) < 1e-4 * direct
    assert array(path["x"])[-1] == final["weights"][0] and array(path["y"])[-1] == final["bias"]
    # The gradient arrow starts at the current point and points down the slope: along −(dL/dw0, dL/db).
    arrow = chart["layout"]["annotations"][0]
    current = next(t for t in chart["data"] if t["name"] == "the 200 updates: iteration 10")
    assert (arrow["ax"], arrow["ay"]) == (array(current["x"])[0], array(current["y"])[0])
    assert arrow["x"] < arrow["ax"] and arrow["y"] < arrow["ay"]


def test_neuron_landscape_over_another_pair():
    at = app("pages/neuron.py")
    at.toggle(key=K.NEURON_LANDSCAPE_ON).set_value(True).run()
    at.segmented_control(key=K.NEURON_LANDSCAPE).set_value("w1 and w2").run()
    assert not at.exception
    chart = landscape_chart(at)
    assert chart["layout"]["xaxis"]["title"]["text"] == "w1" and chart["layout"]["yaxis"]["title"]["text"] == "w2"
    here, _ = at_current(chart, "the 200 updates: iteration 0")
    assert here == 36.0


def open_landscape(at):
    at.session_state[K.TAB] = "Loss landscape"
    at.run()
    assert not at.exception, at.exception
    return landscape_chart(at)


def test_playground_landscape_at_the_iteration_on_screen_and_its_path():
    at = playground()
    button(at, "Step x10").click().run()
    chart = open_landscape(at)
    here, marker = at_current(chart, "run A: iteration 10")
    shown = loss_line(at)[0]
    assert here == shown and marker.tolist() == [10, shown]
    contour = next(t for t in chart["data"] if t["type"] == "contour")
    assert array(contour["x"])[len(array(contour["x"])) // 2] == 0.0  # the plane's centre: the weights on screen
    path = next(t for t in chart["data"] if t["name"] == "run A")
    assert array(path["customdata"])[:, 0].tolist() == list(range(11))  # a short run: every iteration
    trainer = at.session_state[K.TRAINER]
    # The path's last point is the loss at the final weights, computed apart from nncore.
    assert array(path["customdata"])[-1, 1] == pytest.approx(plain_loss(trainer.network.get_parameters(), trainer.X,
                                                                        trainer.y), rel=1e-12)
    assert (array(path["x"])[-1], array(path["y"])[-1]) == (0.0, 0.0)
    # Rewound: the plane goes through iteration 4, the path ends there.
    at.slider(key=K.REWIND_SLIDER).set_value(4).run()
    chart = landscape_chart(at)
    here, marker = at_current(chart, "run A: iteration 4")
    assert here == loss_line(at)[0] and marker[0] == 4
    assert array(next(t for t in chart["data"] if t["name"] == "run A")["customdata"])[:, 0].tolist() == [0, 1, 2, 3, 4]


def test_playground_landscape_over_two_chosen_weights_and_run_b():
    at = playground()
    button(at, "Step x10").click().run()
    open_landscape(at)
    at.segmented_control(key=K.LANDSCAPE_PLANE).set_value("weights").run()
    assert not at.exception
    at.selectbox(key=K.landscape_axis("p", "neuron")).set_value(3).run()
    at.selectbox(key=K.landscape_axis("q", "layer")).set_value("dense2").run()
    at.selectbox(key=K.landscape_axis("q", "neuron")).set_value(1).run()
    at.selectbox(key=K.landscape_axis("q", "input")).set_value(16).run()  # the bias of neuron 1
    chart = landscape_chart(at)
    assert chart["layout"]["xaxis"]["title"]["text"] == "Δ dense1.w[0,3]"
    assert chart["layout"]["yaxis"]["title"]["text"] == "Δ dense2.b[1]"
    trainer = at.session_state[K.TRAINER]
    start, now = trainer.snapshot(0).network, trainer.network
    path = next(t for t in chart["data"] if t["name"] == "run A")
    # On the plane of two parameters, the path is just how those two moved.
    assert array(path["x"])[0] == pytest.approx(start["dense1.weights"][0, 3] - now["dense1.weights"][0, 3], abs=1e-15)
    assert array(path["y"])[0] == pytest.approx(start["dense2.biases"][0, 1] - now["dense2.biases"][0, 1], abs=1e-15)
    here, _ = at_current(chart, "run A: iteration 10")
    assert here == loss_line(at)[0]
    # Run B (the Compare tab) on the same plane: it starts from run A's initial weights.
    at.session_state[K.TAB] = "Compare two runs"
    at.run()
    at.toggle(key=K.COMPARE_ON).set_value(True).run()
    open_landscape(at)
    at.toggle(key=K.LANDSCAPE_B).set_value(True).run()
    assert not at.exception
    chart = landscape_chart(at)
    a, b = (next(t for t in chart["data"] if t["name"] == name) for name in ("run A", "run B"))
    assert (array(a["x"])[0], array(a["y"])[0]) == (array(b["x"])[0], array(b["y"])[0])
    assert array(b["customdata"])[-1, 0] == 10 and array(b["customdata"])[0, 1] == array(a["customdata"])[0, 1]
    assert (array(b["x"])[-1], array(b["y"])[-1]) != (0.0, 0.0)  # another optimizer went elsewhere


def test_playground_landscape_steps_aside_while_playing():
    at = playground()
    open_landscape(at)
    button(at, "Play").click().run()
    assert not at.exception
    assert not any(t["type"] == "contour" for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"])
    assert any(c.value.startswith("Playing: the stage above is live") for c in at.caption)


def test_the_chosen_weights_are_named_by_their_inputs():
    at = playground(features="x1sq-sinx1")
    button(at, "Step x10").click().run()
    open_landscape(at)
    at.segmented_control(key=K.LANDSCAPE_PLANE).set_value("weights").run()
    at.selectbox(key=K.landscape_axis("p", "neuron")).set_value(0).run()
    at.selectbox(key=K.landscape_axis("q", "neuron")).set_value(0).run()
    assert not at.exception
    assert at.selectbox(key=K.landscape_axis("p", "input")).options == [
        "w[0,0] (from x1)", "w[1,0] (from x2)", "w[2,0] (from x1²)", "w[3,0] (from sin x1)", "b[0] (bias)"]
    at.selectbox(key=K.landscape_axis("q", "layer")).set_value("dense2").run()
    assert at.selectbox(key=K.landscape_axis("q", "input")).options[:2] == ["w[0,0] (from neuron 0)",
                                                                          "w[1,0] (from neuron 1)"]
