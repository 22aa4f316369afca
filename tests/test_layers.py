"""Dropout against the book's chapter-15 layer, the weight initialisations' statistics, and
frozen layers under every optimizer."""

import numpy as np
import pytest

import nncore
from nncore import Dense, Dropout, mlp
from nncore.gradcheck import analytic_gradients
from tests.support import book_reference as book

SHAPE = (400, 50)


def inputs(seed=1):
    return np.random.default_rng(seed).standard_normal(SHAPE)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_is_the_books_layer(rate):
    """Fed the same random stream, nncore's mask, output and backward equal the book's bit for bit."""
    x, dvalues = inputs(1), inputs(2)
    mine = Dropout(rate, rng=np.random.RandomState(7))
    theirs = book.Layer_Dropout(rate, np.random.RandomState(7))
    out = mine.forward(x)
    theirs.forward(x)
    assert np.array_equal(mine.mask, theirs.binary_mask)
    assert np.array_equal(out, theirs.output)
    assert np.array_equal(mine.backward(dvalues), (theirs.backward(dvalues), theirs.dinputs)[1])


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_mask_values_and_scaling(rate):
    x = inputs(3)
    layer = Dropout(rate, rng=np.random.default_rng(0))
    out = layer.forward(x)
    keep = 1 - rate
    # Every entry is 0 or 1 / (1 - rate); the output is the input times it, the gradient likewise.
    assert set(np.unique(layer.mask)) == {0.0, 1.0 / keep}
    assert np.array_equal(out, x * layer.mask)
    assert np.array_equal(layer.backward(np.ones(SHAPE)), layer.mask)
    # The share dropped is Binomial(n, rate) / n: within 5 standard errors of rate.
    n = x.size
    dropped = np.mean(layer.mask == 0)
    assert abs(dropped - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    # The scaling keeps the expected value: the mask's mean is 1 within 5 standard errors
    # (its variance is keep * (1/keep)^2 - 1 = rate / keep).
    assert abs(layer.mask.mean() - 1) < 5 * np.sqrt(rate / keep / n)


def test_dropout_off_passes_through_and_draws_nothing():
    x, dvalues = inputs(4), inputs(5)
    rng = np.random.default_rng(0)
    layer = Dropout(0.5, rng=rng)
    before = rng.bit_generator.state
    assert layer.forward(x, training=False) is x
    assert layer.backward(dvalues) is dvalues
    assert rng.bit_generator.state == before
    assert Dropout(0.0).forward(x) is x  # rate 0 drops nothing and needs no generator
    # The network's inference and a forward with training off agree, and equal the network without dropout.
    with_dropout, without = mlp(2, [(16, "relu")], 3, seed=4, dropout=0.5), mlp(2, [(16, "relu")], 3, seed=4)
    X = inputs(6)[:, :2]
    assert np.array_equal(with_dropout.infer(X), without.forward(X))
    assert np.array_equal(with_dropout.forward(X, training=False), without.forward(X))
    assert not np.array_equal(with_dropout.forward(X), without.forward(X))


def test_dropout_refuses_bad_rates_and_the_global_random_state():
    for rate in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="dropout rate must be at least 0 and below 1"):
            Dropout(rate)
    with pytest.raises(ValueError, match="pass rng"):
        Dropout(0.5).forward(inputs())
    with pytest.raises(ValueError, match="dropout must be at least 0 and below 1"):
        mlp(2, [(4, "relu")], 2, dropout=1.0)


def test_gradcheck_holds_the_mask():
    # Noise moves the spiral's samples off (0, 0), where zero biases put a ReLU exactly on its kink.
    X, y = nncore.datasets.spiral(10, 3, noise=0.05, seed=2)
    net = mlp(2, [(8, "tanh"), (8, "relu")], 3, seed=3, dropout=0.4, init="xavier")
    errors = nncore.gradcheck(net, X, y)
    assert max(errors.values()) < 1e-7, errors
    dropouts = [layer for layer in net.layers if isinstance(layer, Dropout)]
    assert len(dropouts) == 2 and all((d.mask == 0).any() for d in dropouts)  # the masks did drop
    # The gradient checked is the masked one: without dropout it differs.
    plain = analytic_gradients(mlp(2, [(8, "tanh"), (8, "relu")], 3, seed=3, init="xavier"), X, y)
    assert not np.allclose(plain["dense1.weights"], net["dense1.dweights"])


def test_mlp_puts_dropout_after_each_hidden_activation_without_changing_the_weights():
    net = mlp(2, [(5, "relu"), (4, "tanh")], 3, seed=9, dropout=0.25)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Dense", "ReLU", "Dropout", "Dense", "Tanh", "Dropout", "Dense", "Softmax"]
    plain = mlp(2, [(5, "relu"), (4, "tanh")], 3, seed=9)
    for a, b in zip(net.get_parameters(), plain.get_parameters()):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert [layer.rate for layer in net.layers if isinstance(layer, Dropout)] == [0.25, 0.25]
    assert not any(isinstance(layer, Dropout) for layer in plain.layers)


def test_mlp_regression_head_is_linear_with_mean_squared_error():
    net = mlp(1, [(8, "relu")], 1, output="linear", seed=0)
    assert isinstance(net.layers[-1], nncore.Linear) and isinstance(net.loss, nncore.MeanSquaredError)
    X = np.array([[0.25], [0.5]])
    assert np.array_equal(net.predict(X), net.forward(X))  # values, not labels


# -- initialisation -------------------------------------------------------------------------------
FAN_IN, FAN_OUT = 600, 400
EXPECTED_STD = {"book": 0.01, "book17": 0.1, "xavier": np.sqrt(2 / (FAN_IN + FAN_OUT)), "he": np.sqrt(2 / FAN_IN)}


@pytest.mark.parametrize("init", list(EXPECTED_STD))
def test_initialisation_mean_and_variance(init):
    w = Dense(FAN_IN, FAN_OUT, rng=np.random.default_rng(11), init=init).weights
    n, var = w.size, EXPECTED_STD[init] ** 2
    # Sample mean of n normals: standard error std / sqrt(n); sample variance: var * sqrt(2 / n).
    assert abs(w.mean()) < 5 * np.sqrt(var / n)
    assert abs(w.var() - var) < 5 * var * np.sqrt(2 / n)


def test_initialisations_are_scaled_draws_of_the_same_generator():
    draws = np.random.default_rng(5).standard_normal((3, 4))
    assert np.array_equal(Dense(3, 4, rng=np.random.default_rng(5)).weights, 0.01 * draws)  # today's default
    assert np.array_equal(Dense(3, 4, rng=np.random.default_rng(5), init="he").weights, np.sqrt(2 / 3) * draws)
    assert np.array_equal(Dense(3, 4, init="zeros").weights, np.zeros((3, 4)))  # no rng needed: nothing drawn
    # mlp draws layer after layer from default_rng(seed).
    rng = np.random.default_rng(8)
    first, second = rng.standard_normal((2, 6)), rng.standard_normal((6, 3))
    net = mlp(2, [(6, "relu")], 3, seed=8, init="xavier")
    assert np.array_equal(net["dense1.weights"], np.sqrt(2 / 8) * first)
    assert np.array_equal(net["dense2.weights"], np.sqrt(2 / 9) * second)
    assert np.array_equal(mlp(2, [(6, "relu")], 3, seed=8)["dense1.weights"], 0.01 * first)
    with pytest.raises(ValueError, match="unknown init 'glorot'; choose one of book, book17, zeros, xavier, he"):
        mlp(2, [], 2, init="glorot")


# -- frozen layers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", list(nncore.OPTIMIZERS))
def test_a_frozen_layer_keeps_its_weights_and_state_and_still_has_gradients(optimizer):
    X, y = nncore.datasets.spiral(20, 3, seed=0)
    net = mlp(2, [(8, "relu")], 3, seed=1)
    net.freeze("dense1")
    assert net.frozen == {"dense1"}
    before = net.get_parameters()
    opt = nncore.OPTIMIZERS[optimizer]()
    if optimizer == "sgd":
        opt.momentum = 0.9
    for _ in range(3):
        net.backward(net.forward(X), y)
        opt.step(net)
    after = net.get_parameters()
    assert np.array_equal(after[0][0], before[0][0]) and np.array_equal(after[0][1], before[0][1])
    assert not np.array_equal(after[1][0], before[1][0])
    assert np.linalg.norm(net["dense1.dweights"]) > 0  # computed, not applied
    assert all(not v.any() for v in opt.state[0].values())  # its momenta and caches never moved
    assert all(v.any() for v in opt.state[1].values())
    net.freeze(frozen=False)
    assert net.frozen == frozenset()
    with pytest.raises(ValueError, match=r"unknown layer\(s\) \['dense9'\]"):
        net.freeze("dense9")
