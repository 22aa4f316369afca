"""The browser's forward pass (ui/live/forward.js) against nncore, on the wire format.

The stage draws the decision boundary and every neuron's map from the parameters a frame carries,
computed in the browser; these must be nncore's numbers. Node runs forward.js on exactly what the
payload sends (ui.live.encode_floats, ui.run.architecture), and the result is compared with
nncore.probability_grid and with each layer's output from nncore's own forward pass.
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import nncore
from ui.live import encode_floats
from ui.run import architecture

FORWARD = Path(__file__).resolve().parents[1] / "ui" / "live" / "forward.js"

SCRIPT = """
import { decodeFloat64, splitLayers, forwardGrid } from %s;
let text = "";
for await (const chunk of process.stdin) text += chunk;
const { net, params, grid } = JSON.parse(text);
const out = forwardGrid(net.layers, splitLayers(decodeFloat64(params), net.layers), grid, net.features);
process.stdout.write(JSON.stringify({ probs: Array.from(out.probs), layers: out.layers.map((a) => Array.from(a)),
                                      inputs: out.inputs.map((a) => Array.from(a)) }));
"""


def run_forward(network, grid):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the stage's JavaScript (.ci/run installs it)")
    params = encode_floats([a for d in network.dense_layers for a in (d.weights, d.biases)])
    stdin = json.dumps({"net": architecture(network), "params": params, "grid": grid})
    done = subprocess.run([node, "--input-type=module", "-e", SCRIPT % json.dumps(FORWARD.as_uri())],
                          input=stdin, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def trained(hidden, output, classes, seed, features=()):
    """A network whose weights are far from their small initial values (so every nonlinearity bites)."""
    net = nncore.mlp(2, hidden, nncore.output_size(output, classes), output=output, seed=seed, features=features)
    rng = np.random.default_rng(seed + 100)
    net.set_parameters([(rng.normal(0, 1.5, w.shape), rng.normal(0, 0.8, b.shape)) for w, b in net.get_parameters()])
    return net


@pytest.mark.parametrize("hidden, output, classes, features", [
    ([(16, "relu")], "softmax", 3, ()),
    ([(8, "tanh"), (6, "sigmoid"), (5, "linear")], "softmax", 4, ()),
    ([(4, "relu"), (4, "relu")], "sigmoid", 2, ()),
    ([], "softmax", 2, ()),
    ([(6, "tanh")], "softmax", 3, tuple(nncore.FEATURES)),       # every input feature
    ([], "sigmoid", 2, ("sinx2", "x1x2")),                       # features straight into the output
])
def test_the_browsers_forward_pass_is_nncores(hidden, output, classes, features):
    net = trained(hidden, output, classes, seed=len(hidden) + classes, features=features)
    grid = {"w": 23, "h": 17, "x0": -1.7, "x1": 1.3, "y0": -1.1, "y1": 0.9}
    got = run_forward(net, grid)

    # probability_grid samples a square grid; the browser's grid may be w x h: compare on a square one too.
    square = {**grid, "h": 23}
    probs = np.array(run_forward(net, square)["probs"]).reshape(23, 23, -1)
    expected = nncore.probability_grid(net, (grid["x0"], grid["x1"]), (grid["y0"], grid["y1"]), 23)
    assert probs.shape == expected.shape
    assert np.max(np.abs(probs - expected)) <= 1e-9

    # Every layer's output at every point of the w x h grid, pixel p = row * w + col, row 0 at y0.
    xs, ys = np.linspace(grid["x0"], grid["x1"], grid["w"]), np.linspace(grid["y0"], grid["y1"], grid["h"])
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    net.forward(points)
    # The input maps: x1, x2 and each feature's value over the plane, as nncore's Features layer has them.
    columns = net.layers[0].output if features else points
    assert np.max(np.abs(np.array(got["inputs"]).T - columns)) <= 1e-9 and len(got["inputs"]) == 2 + len(features)
    outputs = [net.layers[k + 1].output for k, layer in enumerate(net.layers) if isinstance(layer, nncore.Dense)]
    assert len(got["layers"]) == len(outputs)
    for mine, theirs in zip(got["layers"], outputs):
        assert np.max(np.abs(np.array(mine).reshape(theirs.shape) - theirs)) <= 1e-9


def test_saturated_sigmoids_stay_exact():
    """Huge pre-activations: nncore's two-sided sigmoid never computes exp of a large positive number."""
    net = trained([(3, "sigmoid")], "sigmoid", 2, seed=5)
    net.set_parameters([(w * 400, b * 400) for w, b in net.get_parameters()])
    grid = {"w": 9, "h": 9, "x0": -3.0, "x1": 3.0, "y0": -3.0, "y1": 3.0}
    probs = np.array(run_forward(net, grid)["probs"]).reshape(9, 9, 2)
    expected = nncore.probability_grid(net, (-3.0, 3.0), (-3.0, 3.0), 9)
    assert np.isfinite(probs).all() and np.max(np.abs(probs - expected)) <= 1e-9


@pytest.mark.parametrize("hidden", [[(64, "relu"), (64, "relu")], [(5, "tanh"), (3, "sigmoid")], []])
def test_the_browsers_fitted_curve_is_nncores_infer(hidden):
    """Regression: one input x, a linear output; the browser samples x = linspace(x0, x1, w) on a grid of
    h = 1 (ui.run's payload) and its last layer is the curve drawn over the points."""
    net = nncore.mlp(1, hidden, 1, output="linear", seed=3)
    rng = np.random.default_rng(11)
    net.set_parameters([(rng.normal(0, 1.5, w.shape), rng.normal(0, 0.8, b.shape)) for w, b in net.get_parameters()])
    grid = {"w": 97, "h": 1, "x0": -0.3, "x1": 1.2, "y0": -1.5, "y1": 1.5}
    got = run_forward(net, grid)
    xs = np.linspace(grid["x0"], grid["x1"], grid["w"]).reshape(-1, 1)
    curve = np.array(got["layers"][-1])
    assert curve.shape == (97,) and np.max(np.abs(curve - net.infer(xs)[:, 0])) <= 1e-9
    net.forward(xs, training=False)
    dense = [k for k, layer in enumerate(net.layers) if isinstance(layer, nncore.Dense)]
    for mine, k in zip(got["layers"], dense):
        theirs = net.layers[k + 1].output
        assert np.max(np.abs(np.array(mine).reshape(theirs.shape) - theirs)) <= 1e-9
