"""Analytic gradients against central finite differences, on randomised networks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nncore
from nncore import Dense, Network, gradcheck

HIDDEN = ["relu", "sigmoid", "tanh", "linear"]
# Output activation -> the loss that goes with it (and MSE on any output).
HEADS = [("softmax", "categorical_crossentropy"), ("sigmoid", "binary_crossentropy"),
         ("linear", "mean_squared_error"), ("tanh", "mean_squared_error")]


def random_network(rng, n_inputs, hidden, n_outputs, head, l1=0.0, l2=0.0, fused=True):
    """Weights ~ N(0, 0.5) and non-zero biases, so no ReLU sits on its kink at 0."""
    layers, width = [], n_inputs
    for n, act in hidden + [(n_outputs, head[0])]:
        layers += [Dense(width, n, weights=rng.normal(0, 0.5, (width, n)), biases=rng.normal(0, 0.5, (1, n)),
                         weight_regularizer_l1=l1, weight_regularizer_l2=l2,
                         bias_regularizer_l1=l1, bias_regularizer_l2=l2),
                   nncore.ACTIVATIONS[act]()]
        width = n
    return Network(layers, nncore.LOSSES[head[1]](), fused=fused)


def random_targets(rng, head, n_samples, n_outputs, one_hot):
    if head[1] == "categorical_crossentropy":
        y = rng.integers(0, n_outputs, n_samples)
        return np.eye(n_outputs)[y] if one_hot else y
    if head[1] == "binary_crossentropy":
        return rng.integers(0, 2, (n_samples, n_outputs)) if one_hot or n_outputs > 1 else rng.integers(0, 2, n_samples)
    return rng.normal(size=(n_samples, n_outputs))


@given(seed=st.integers(0, 2**32 - 1),
       hidden=st.lists(st.tuples(st.integers(1, 6), st.sampled_from(HIDDEN)), min_size=0, max_size=3),
       head=st.sampled_from(HEADS), n_samples=st.integers(1, 64), n_inputs=st.integers(1, 4),
       n_outputs=st.integers(1, 4), one_hot=st.booleans(), reg=st.booleans())
def test_gradients_match_finite_differences(seed, hidden, head, n_samples, n_inputs, n_outputs, one_hot, reg):
    rng = np.random.default_rng(seed)
    if head[0] == "softmax":
        n_outputs = max(n_outputs, 2)
    net = random_network(rng, n_inputs, hidden, n_outputs, head, *((1e-3, 1e-2) if reg else (0, 0)))
    X = rng.normal(size=(n_samples, n_inputs))
    y = random_targets(rng, head, n_samples, n_outputs, one_hot)
    errors = gradcheck(net, X, y)
    assert max(errors.values()) <= 1e-6, errors


def test_gradcheck_catches_a_wrong_gradient():
    """The check can fail: a ReLU whose derivative is off by a factor 2 is caught."""

    class BrokenReLU(nncore.ReLU):
        def backward(self, dvalues):
            self.dinputs = 2 * dvalues * (self.inputs > 0)
            return self.dinputs

    rng = np.random.default_rng(1)
    net = random_network(rng, 2, [(5, "relu")], 3, HEADS[0])
    net.layers[1] = BrokenReLU()
    errors = gradcheck(net, rng.normal(size=(10, 2)), rng.integers(0, 3, 10))
    assert errors["dense1.weights"] > 0.1 and errors["dense2.weights"] < 1e-6


@pytest.mark.parametrize("one_hot", [False, True])
def test_fused_softmax_crossentropy_equals_separate_path(one_hot):
    rng = np.random.default_rng(7)
    nets = [random_network(np.random.default_rng(3), 3, [(8, "tanh")], 4, HEADS[0], fused=f) for f in (True, False)]
    X, y = rng.normal(size=(32, 3)), rng.integers(0, 4, 32)
    y = np.eye(4)[y] if one_hot else y
    for net in nets:
        net.backward(net.forward(X), y)
    fused, separate = nets
    for name in fused.parameter_names():
        layer, _, attribute = name.partition(".")
        g = f"{layer}.d{attribute}"
        assert np.max(np.abs(fused[g] - separate[g])) <= 1e-12
    assert np.max(np.abs(fused.dinputs - separate.dinputs)) <= 1e-12


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    net = random_network(rng, 3, [(6, "relu"), (4, "sigmoid")], 3, HEADS[0])
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 3, 5)
    net.backward(net.forward(X), y)
    numeric = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        for sign in (1, -1):
            Xp = X.copy()
            Xp[idx] += sign * 1e-6
            numeric[idx] += sign * net.data_loss(net.forward(Xp), y) / 2e-6
    assert nncore.relative_error(net.dinputs, numeric) <= 1e-6


def test_backward_never_changes_a_parameter():
    rng = np.random.default_rng(0)
    net = random_network(rng, 2, [(4, "relu")], 3, HEADS[0], l1=0.1, l2=0.1)
    before = net.get_parameters()
    net.backward(net.forward(rng.normal(size=(6, 2))), rng.integers(0, 3, 6))
    for (w0, b0), (w1, b1) in zip(before, net.get_parameters()):
        assert np.array_equal(w0, w1) and np.array_equal(b0, b1)


def test_regularisation_loss_and_gradient_follow_the_book():
    layer = Dense(2, 1, weights=[[0.5], [-2.0]], biases=[[3.0]], weight_regularizer_l1=0.1,
                  weight_regularizer_l2=0.01, bias_regularizer_l1=0.2, bias_regularizer_l2=0.02)
    # 0.1*(0.5+2) + 0.01*(0.25+4) + 0.2*3 + 0.02*9
    assert layer.regularization_loss() == pytest.approx(0.25 + 0.0425 + 0.6 + 0.18, abs=1e-15)
    layer.forward(np.zeros((1, 2)))
    layer.backward(np.zeros((1, 1)))
    assert np.allclose(layer.dweights, [[0.1 + 0.01 * 2 * 0.5], [-0.1 + 0.01 * 2 * -2.0]], rtol=0, atol=1e-15)
    assert np.allclose(layer.dbiases, [[0.2 + 0.02 * 2 * 3.0]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("head", [HEADS[0], HEADS[1]], ids=["softmax-cce", "sigmoid-bce"])
def test_saturated_outputs_where_the_loss_clips_still_match_finite_differences(head):
    """Large weights push some probabilities past the 1e-7 clip: there the loss is flat, and so
    must the analytic gradient be."""
    rng = np.random.default_rng(11)
    net = random_network(rng, 2, [(6, "tanh")], 3, head)
    for layer in net.dense_layers:
        layer.weights *= 12.0
    X = rng.normal(size=(40, 2))
    y = random_targets(rng, head, 40, 3, one_hot=False)
    p = net.forward(X)
    true_p = p[np.arange(40), y] if head[0] == "softmax" else p
    assert ((true_p < 1e-7) | (true_p > 1 - 1e-7)).any() and ((true_p > 1e-7) & (true_p < 1 - 1e-7)).any()
    assert max(gradcheck(net, X, y).values()) <= 1e-6
    if head[0] == "softmax":
        separate = Network(net.layers, net.loss, fused=False)
        net.backward(net.forward(X), y)
        fused_dw = net["dense1.dweights"].copy()
        separate.backward(separate.forward(X), y)
        assert np.max(np.abs(fused_dw - separate["dense1.dweights"])) <= 1e-12
