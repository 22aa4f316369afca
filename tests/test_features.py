"""Input features (nncore.features): values by hand, backward against finite differences, and a
network with features through gradcheck, the boundary grid, training replay and weights files."""

import copy

import numpy as np
import pytest

import nncore
import nncore.io as nio
from nncore.features import FEATURES, Features, canonical, labels
from tests.test_gradients import numerical_input_gradient

ALL = tuple(FEATURES)


def test_forward_values_by_hand():
    X = np.array([[1.0, 2.0], [-0.5, 3.0], [0.0, -1.5]])
    out = Features(ALL).forward(X)
    expected = np.array([
        [1.0, 2.0, 1.0, 4.0, 2.0, np.sin(1.0), np.sin(2.0)],
        [-0.5, 3.0, 0.25, 9.0, -1.5, np.sin(-0.5), np.sin(3.0)],
        [0.0, -1.5, 0.0, 2.25, -0.0, 0.0, np.sin(-1.5)],
    ])
    assert np.array_equal(out, expected)
    # sin(pi / 2) = 1 and sin(pi / 6) = 1/2, known values rather than np.sin against itself.
    out = Features(["sinx1", "sinx2"]).forward(np.array([[np.pi / 2, np.pi / 6]]))
    assert np.allclose(out, [[np.pi / 2, np.pi / 6, 1.0, 0.5]], rtol=0, atol=1e-15)


def test_columns_come_in_the_canonical_order_whatever_the_order_given():
    f = Features(["sinx2", "x1x2", "x1sq"])
    assert f.names == ("x1sq", "x1x2", "sinx2")
    assert f.labels == ("x1", "x2", "x1²", "x1·x2", "sin x2")
    assert f.forward(np.array([[2.0, 3.0]])).tolist() == [[2.0, 3.0, 4.0, 6.0, np.sin(3.0)]]
    assert labels(()) == ("x1", "x2")
    assert Features(()).forward(np.array([[2.0, 3.0]])).tolist() == [[2.0, 3.0]]


@pytest.mark.parametrize("names,message", [(["x3sq"], "unknown feature"), (["x1sq", "x1sq"], "more than once")])
def test_bad_names_are_refused_by_name(names, message):
    with pytest.raises(ValueError, match=message):
        canonical(names)


def test_backward_by_hand():
    """dL/dx1 = g_x1 + 2 x1 g_x1sq + x2 g_x1x2 + cos(x1) g_sinx1, and likewise for x2."""
    x1, x2 = 0.7, -1.2
    g = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]])
    layer = Features(ALL)
    layer.forward(np.array([[x1, x2]]))
    dx = layer.backward(g)
    assert np.allclose(dx, [[1 + 2 * x1 * 3 + x2 * 5 + np.cos(x1) * 6, 2 + 2 * x2 * 4 + x1 * 5 + np.cos(x2) * 7]],
                       rtol=1e-15, atol=0)


@pytest.mark.parametrize("names", [ALL, ("x1sq",), ("x1x2", "sinx2"), ()])
def test_backward_matches_finite_differences(names):
    rng = np.random.default_rng(3)
    X = rng.normal(0, 1.5, (9, 2))
    layer = Features(names)
    G = rng.normal(size=(9, layer.n_outputs))
    layer.forward(X)
    analytic = layer.backward(G)
    numeric = np.zeros_like(X)
    Xl = X.astype(np.longdouble)
    for idx in np.ndindex(X.shape):
        for sign in (1, -1):
            Xp = Xl.copy()
            Xp[idx] += sign * 1e-6
            numeric[idx] += sign * float(np.sum(G * Features(names).forward(Xp))) / 2e-6
    assert nncore.relative_error(analytic, numeric) <= 1e-9


def test_mlp_with_features_feeds_2_plus_k_columns_to_the_first_layer():
    net = nncore.mlp(2, [(5, "tanh")], 3, features=("x2sq", "x1sq"), seed=1)
    assert isinstance(net.layers[0], Features)
    assert net.n_inputs == 2 and net.dense_layers[0].n_inputs == 4
    assert net.input_labels == ("x1", "x2", "x1²", "x2²")
    assert nncore.mlp(2, [], 2).input_labels == ("x1", "x2")
    with pytest.raises(ValueError, match="n_inputs must be 2"):
        nncore.mlp(3, [], 2, features=("x1sq",))
    with pytest.raises(ValueError, match="must come first"):
        nncore.Network([nncore.Dense(2, 2, rng=np.random.default_rng(0)), Features(())],
                       nncore.LOSSES["categorical_crossentropy"]())


def featured(seed=2, hidden=((6, "tanh"), (4, "relu"))):
    """All five features, weights large enough that every feature's column matters."""
    net = nncore.mlp(2, list(hidden), 3, features=ALL, seed=seed, init="xavier")
    rng = np.random.default_rng(seed)
    for d in net.dense_layers:
        d.biases[...] = rng.normal(0, 0.5, d.biases.shape)
    return net


def test_a_network_with_features_passes_gradcheck_and_its_input_gradient_too():
    rng = np.random.default_rng(4)
    net = featured()
    X, y = rng.normal(0, 1.2, (12, 2)), rng.integers(0, 3, 12)
    errors = nncore.gradcheck(net, X, y)
    assert max(errors.values()) <= 1e-7, errors
    # dL/dX through the features, against finite differences on the raw (x1, x2).
    net.backward(net.forward(X), y)
    assert net.dinputs.shape == (12, 2)
    assert nncore.relative_error(net.dinputs, numerical_input_gradient(net, X, y)) <= 1e-6
    arrows = nncore.network.sample_input_gradients(net, X, y)
    assert np.allclose(arrows, net.dinputs * len(X), rtol=1e-12, atol=0)


def test_probability_grid_works_on_raw_points():
    """The grid's probabilities equal the network written out by hand on each raw (x1, x2)."""
    net = featured(hidden=((5, "tanh"),))
    grid = nncore.probability_grid(net, (-2, 2), (-1, 3), 7)
    (W1, b1), (W2, b2) = net.get_parameters()
    xs, ys = np.linspace(-2, 2, 7), np.linspace(-1, 3, 7)
    for r, x2 in enumerate(ys):
        for c, x1 in enumerate(xs):
            f = np.array([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)])
            z = np.tanh(f @ W1 + b1[0]) @ W2 + b2[0]
            p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            assert np.allclose(grid[r, c], p, rtol=0, atol=1e-14)


def test_the_first_layers_backward_is_skipped_when_training():
    net = featured()
    X, y = np.random.default_rng(0).normal(size=(6, 2)), np.array([0, 1, 2, 0, 1, 2])
    assert net.backward(net.forward(X), y, input_gradient=False) is None
    full = copy.deepcopy(net)
    full.backward(full.forward(X), y)
    assert np.array_equal(full.dense_layers[0].dweights, net.dense_layers[0].dweights)


def test_weight_terms_see_the_feature_columns():
    net = featured()
    X, y = np.random.default_rng(1).normal(size=(5, 2)), np.array([0, 1, 2, 0, 1])
    net.backward(net.forward(X), y)
    terms = nncore.network.weight_terms(net, "dense1", 2, 0)   # input 2 is x1²
    assert np.array_equal(terms["x"], X[:, 0] ** 2)
    assert terms["data_gradient"] == pytest.approx(terms["dweight"], rel=1e-12)


def test_training_with_features_replays_bit_for_bit_and_weights_round_trip():
    X, y = nncore.datasets.circles(60, 2, 0.05, 0)
    net = nncore.mlp(2, [], 2, features=("x1sq", "x2sq"), seed=0)
    trainer = nncore.Trainer(net, nncore.Adam(learning_rate=0.05), X, y, batch_size=32, seed=0)
    trainer.step(120)
    # No hidden layer: circles are not linearly separable in (x1, x2), but they are in (x1², x2²).
    assert trainer.record()["accuracy"] >= 0.95
    snap = trainer.snapshot(77)
    again = nncore.Trainer(nncore.mlp(2, [], 2, features=("x1sq", "x2sq"), seed=0), nncore.Adam(learning_rate=0.05),
                           X, y, batch_size=32, seed=0)
    again.step(77)
    assert all(np.array_equal(a, b) for pa, pb in zip(snap.network.get_parameters(), again.network.get_parameters())
               for a, b in zip(pa, pb))
    for save, load in ((nio.to_json, nio.from_json), (nio.to_npz, nio.from_npz)):
        fresh = nncore.mlp(2, [], 2, features=("x1sq", "x2sq"), seed=5)
        load(save(net), fresh)
        assert all(np.array_equal(a, b) for pa, pb in zip(fresh.get_parameters(), net.get_parameters())
                   for a, b in zip(pa, pb))
    with pytest.raises(ValueError, match="for the inputs x1, x2; this network's are x1, x2, x1², x2²"):
        nio.from_json(nio.to_json(nncore.mlp(2, [], 2, seed=0)), nncore.mlp(2, [], 2, features=("x1sq", "x2sq")))
    # The same shape, other features: the file says which it was trained for.
    with pytest.raises(ValueError, match="for the inputs x1, x2, sin x1, sin x2; this network's are x1, x2, x1², x2²"):
        nio.from_npz(nio.to_npz(nncore.mlp(2, [], 2, features=("sinx1", "sinx2"))),
                     nncore.mlp(2, [], 2, features=("x1sq", "x2sq")))


def test_read_only_inputs_reuse_their_columns_and_writable_ones_never_do():
    """A trainer's sets are read-only: their feature columns are computed once and kept (two sets at a
    time); an array that may change is computed afresh every pass."""
    layer = Features(("x1sq", "sinx2"))
    train, test = np.array([[1.0, 2.0]]), np.array([[3.0, 0.5]])
    train.setflags(write=False)
    test.setflags(write=False)
    first = layer.forward(train)
    assert layer.forward(test).tolist() == [[3.0, 0.5, 9.0, np.sin(0.5)]]
    assert layer.forward(train) is first and not first.flags.writeable
    mutable = np.array([[1.0, 2.0]])
    out = layer.forward(mutable)
    mutable[0, 0] = 4.0
    assert layer.forward(mutable) is not out and layer.output[0, 2] == 16.0
    # A read-only view of a writable array can change under it: never kept.
    base = np.array([[1.0, 2.0]])
    view = base.view()
    view.setflags(write=False)
    assert layer.forward(view)[0, 2] == 1.0
    base[0, 0] = 10.0
    assert layer.forward(view).tolist()[0][:3] == [10.0, 2.0, 100.0]
