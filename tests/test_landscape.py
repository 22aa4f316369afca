"""nncore.landscape: the loss over a plane, checked against losses computed directly; the
projection of a path; the notes' neuron over two of its parameters."""

import numpy as np
import pytest

import nncore
from nncore import Dense, MeanSquaredError, Network, ReLU, datasets, landscape, lessons, mlp


def small_run(iterations=30):
    X, y = datasets.spiral(20, 3, seed=1)
    trainer = nncore.Trainer(mlp(2, [(4, "relu")], 3, seed=2), nncore.Adam(learning_rate=0.05), X, y,
                             checkpoint_every=10)
    trainer.step(iterations)
    return trainer


def plain_loss(parameters, X, y):
    """The 2-4-3 network's cross-entropy in plain NumPy, written apart from nncore: ReLU, softmax,
    -log of the true class's probability clipped to [1e-7, 1 - 1e-7], the mean over samples."""
    (w1, b1), (w2, b2) = parameters
    hidden = np.maximum(X @ w1 + b1, 0)
    z = hidden @ w2 + b2
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return float(np.mean(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1 - 1e-7))))


def moved(theta, d1, d2, a, b):
    return [(w + a * w1 + b * w2, c + a * c1 + b * c2) for (w, c), (w1, c1), (w2, c2) in zip(theta, d1, d2)]


def test_filter_normalised_directions_match_every_neurons_norm():
    net = small_run().network
    d = landscape.filter_normalized_directions(net, np.random.default_rng(5))
    for (w, b), (dw, db) in zip(net.get_parameters(), d):
        assert dw.shape == w.shape and db.shape == b.shape
        for j in range(w.shape[1]):  # neuron j: its incoming weights and its bias
            assert np.hypot(np.linalg.norm(dw[:, j]), db[0, j]) == pytest.approx(np.hypot(np.linalg.norm(w[:, j]),
                                                                                          b[0, j]), rel=1e-12)
    again = landscape.filter_normalized_directions(net, np.random.default_rng(5))
    assert all(np.array_equal(a, b) for pa, pb in zip(d, again) for a, b in zip(pa, pb))  # seeded


def test_plane_grid_against_losses_computed_directly():
    trainer = small_run()
    net, X, y = trainer.network, trainer.X, trainer.y
    rng = np.random.default_rng(0)
    d1, d2 = landscape.filter_normalized_directions(net, rng), landscape.filter_normalized_directions(net, rng)
    before = [a.copy() for pair in net.get_parameters() for a in pair]
    output = net.output
    alphas, betas, loss = landscape.plane_grid(net, X, y, d1, d2, span=0.8, n=9)
    assert alphas.tolist() == betas.tolist() == np.linspace(-0.8, 0.8, 9).tolist() and loss.shape == (9, 9)
    theta = net.get_parameters()
    for i, j in ((0, 0), (2, 7), (8, 3), (5, 5)):  # row i is beta, column j is alpha
        direct = plain_loss(moved(theta, d1, d2, alphas[j], betas[i]), X, y)
        assert loss[i, j] == pytest.approx(direct, rel=1e-12), (i, j)
    # The centre is the current parameters: exactly the loss the trainer recorded there.
    assert loss[4, 4] == trainer.record()["loss"]
    assert loss[0, 0] != loss[4, 4]
    # The network was not touched: its parameters, and its cached forward pass.
    assert all(np.array_equal(a, b) for a, b in zip(before, [a for pair in net.get_parameters() for a in pair]))
    assert net.output is output


def test_plane_grid_names_a_bad_grid():
    net = small_run(1).network
    d = landscape.filter_normalized_directions(net, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n >= 2.*span > 0"):
        landscape.plane_grid(net, np.zeros((1, 2)), np.zeros(1, int), d, d, span=0, n=41)


def test_projection_recovers_the_coordinates_on_non_orthogonal_directions():
    net = small_run().network
    rng = np.random.default_rng(3)
    d1 = landscape.filter_normalized_directions(net, rng)
    d2 = [(w1 + 0.5 * w2, b1 + 0.5 * b2)  # leaning on d1: far from orthogonal
          for (w1, b1), (w2, b2) in zip(d1, landscape.filter_normalized_directions(net, rng))]
    assert abs(landscape.flat(d1) @ landscape.flat(d2)) > 0.3 * np.linalg.norm(landscape.flat(d1)) ** 2
    theta = net.get_parameters()
    coords = landscape.project([theta, moved(theta, d1, d2, 2.0, -1.0), moved(theta, d1, d2, -0.25, 0.5)],
                               theta, d1, d2)
    assert np.allclose(coords, [[0, 0], [2, -1], [-0.25, 0.5]], atol=1e-12)


def test_coordinate_directions_make_the_plane_two_weights():
    trainer = small_run()
    net = trainer.network
    d1 = landscape.coordinate_direction(net, "dense1.weights", (1, 2))
    d2 = landscape.coordinate_direction(net, "dense2.biases", (0, 0))
    assert landscape.flat(d1).sum() == landscape.flat(d2).sum() == 1.0
    start = trainer.snapshot(0).network
    (x, y), = landscape.project([start.get_parameters()], net.get_parameters(), d1, d2)
    # Off the plane, the projection of iteration 0 is just those two parameters' change.
    assert x == pytest.approx(start["dense1.weights"][1, 2] - net["dense1.weights"][1, 2], abs=1e-15)
    assert y == pytest.approx(start["dense2.biases"][0, 0] - net["dense2.biases"][0, 0], abs=1e-15)
    with pytest.raises(ValueError, match=r"dense1.weights: index \(2, 0\) is outside its shape \(2, 4\)"):
        landscape.coordinate_direction(net, "dense1.weights", (2, 0))


def test_parameter_path_replays_every_point_exactly():
    trainer = small_run(30)
    trainer.rewind(27)
    trainer.set_hyperparameters(learning_rate=0.01)  # a change mid-run: the replay must follow it
    trainer.step(10)
    points = [0, 3, 4, 10, 11, 26, 27, 28, 37]  # checkpoints (0, 10, ...) and iterations between
    for it, params in zip(points, trainer.parameter_path(points)):
        expected = trainer.snapshot(it).network.get_parameters()
        assert all(np.array_equal(a, b) for pa, pb in zip(params, expected) for a, b in zip(pa, pb)), it
    with pytest.raises(ValueError, match="ascending"):
        trainer.parameter_path([5, 2])


# -- the notes' neuron ----------------------------------------------------------------------------
def neuron_loss(w, b):
    """ReLU(x . w + b)^2 through nncore's Dense and ReLU: MSE of one output against the target 0."""
    net = Network([Dense(3, 1, weights=np.reshape(w, (3, 1)), biases=[[b]]), ReLU()], MeanSquaredError())
    return net.data_loss(net.forward(np.array([[1.0, -2.0, 3.0]])), np.zeros((1, 1)))


@pytest.mark.parametrize("pair", [("w0", "b"), ("w2", "w1"), ("b", "w1")])
def test_neuron_grid_against_nncores_forward(pair):
    lesson = lessons.single_neuron(200, precision="float64")
    current = 37
    g = landscape.neuron_loss_grid(lesson.records, current, pair, n=41)
    r = lesson.records[current]
    for row, col in ((0, 0), (40, 40), (3, 29), (g["at"][0], g["at"][1] + 2)):
        values = {"w0": r["weights"][0], "w1": r["weights"][1], "w2": r["weights"][2], "b": r["bias"]}
        values[pair[0]], values[pair[1]] = g["p"][col], g["q"][row]
        direct = neuron_loss([values["w0"], values["w1"], values["w2"]], values["b"])
        assert g["loss"][row, col] == pytest.approx(direct, rel=1e-12, abs=1e-12), (row, col)
    # The current point is a node of the grid, and its loss the one the notes print there.
    assert tuple(g["point"]) == (values_of(r, pair)) and g["p"][g["at"][1]] == g["point"][0]
    assert g["loss"][g["at"]] == r["loss"]


def values_of(record, pair):
    v = {"w0": record["weights"][0], "w1": record["weights"][1], "w2": record["weights"][2], "b": record["bias"]}
    return tuple(v[name] for name in pair)


def test_neuron_grid_current_point_is_the_printed_loss_in_the_notes_precision():
    lesson = lessons.single_neuron(200, precision="notes")
    for current in (0, 99, 199):  # records[n]: the state after n updates
        g = landscape.neuron_loss_grid(lesson.records, current, ("w0", "b"))
        assert g["loss"][g["at"]] == lesson.losses[current]


def test_neuron_gradient_is_the_slope_of_the_grid_and_the_path_ends_at_the_final_weights():
    lesson = lessons.single_neuron(200, precision="float64")
    g = landscape.neuron_loss_grid(lesson.records, 0, ("w2", "b"))
    assert g["gradient"].tolist() == [36.0, 12.0]  # 2 * 6 * x2 = 36 and 2 * 6 * 1
    row, col = g["at"]
    # The loss is a parabola in each parameter here: central differences are exact.
    slope_p = (g["loss"][row, col + 1] - g["loss"][row, col - 1]) / (g["p"][col + 1] - g["p"][col - 1])
    slope_q = (g["loss"][row + 1, col] - g["loss"][row - 1, col]) / (g["q"][row + 1] - g["q"][row - 1])
    assert [slope_p, slope_q] == pytest.approx([36.0, 12.0], rel=1e-9)
    path, losses = landscape.neuron_path(lesson.records, ("w2", "b"))
    assert path.shape == (200, 2) and path[0].tolist() == [2.0, 1.0]
    last = lesson.records[-1]
    assert path[-1].tolist() == [last["weights"][2], last["bias"]]
    assert losses[-1] == neuron_loss(last["weights"], last["bias"])  # the last point: the final weights' loss
    # The box holds the whole path.
    assert g["p"].min() <= path[:, 0].min() and path[:, 0].max() <= g["p"].max()
    assert g["q"].min() <= path[:, 1].min() and path[:, 1].max() <= g["q"].max()


def test_neuron_grid_names_bad_choices():
    records = lessons.single_neuron(5).records
    with pytest.raises(ValueError, match="two different parameters of w0, w1, w2, b"):
        landscape.neuron_loss_grid(records, 1, ("w0", "w0"))
    with pytest.raises(ValueError, match=r"iteration 0\.\.4, got 5"):
        landscape.neuron_loss_grid(records, 5)
