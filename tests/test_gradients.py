"""Analytic gradients against central finite differences, on randomised networks."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nncore
from nncore import Dense, Network, gradcheck
from nncore.gradcheck import analytic_gradients

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
    assert nncore.relative_error(net.dinputs, numerical_input_gradient(net, X, y)) <= 1e-6


def numerical_input_gradient(net, X, y, epsilon=1e-6):
    """dL/dX of the mean data loss by central differences, one input value at a time."""
    numeric = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        for sign in (1, -1):
            Xp = X.copy()
            Xp[idx] += sign * epsilon
            numeric[idx] += sign * net.data_loss(net.forward(Xp), y) / (2 * epsilon)
    return numeric


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


def saturated(net, X, y):
    """(some true-class p < 1e-7, some > 1 - 1e-7): which sides of the clip the batch reaches."""
    p = net.forward(X)
    if net.layers[-1].name == "sigmoid":  # the probability of the label each output has
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        true_p = np.where(y == 1, p, 1 - p)
    else:
        true_p = p[np.arange(len(p)), y] if y.ndim == 1 else np.sum(p * y, axis=1)
    return bool((true_p < 1e-7).any()), bool((true_p > 1 - 1e-7).any())


# Smooth hidden layers only: a finite difference that straddles a ReLU kink is no derivative, and the
# scaled-up output layer magnifies one (ReLU is covered, unscaled, by the test above).
@given(seed=st.integers(0, 2**32 - 1),
       hidden=st.lists(st.tuples(st.integers(2, 6), st.sampled_from(["sigmoid", "tanh", "linear"])), min_size=1,
                       max_size=2),
       head=st.sampled_from(HEADS[:2]), n_outputs=st.integers(2, 4), one_hot=st.booleans(),
       scale=st.floats(8.0, 30.0), reg=st.booleans())
def test_saturated_networks_match_finite_differences_of_the_unclipped_loss(seed, hidden, head, n_outputs,
                                                                           one_hot, scale, reg):
    """Large output weights drive true-class probabilities below 1e-7 and above 1 - 1e-7, where the
    printed loss clips. The gradient there is the book's (not zero), and finite differences of the loss
    it belongs to agree to 1e-6."""
    rng = np.random.default_rng(seed)
    n_samples = 48
    net = random_network(rng, 2, hidden, n_outputs, head, *((1e-3, 1e-2) if reg else (0, 0)))
    net.dense_layers[-1].weights *= scale
    net.dense_layers[-1].biases *= scale
    X = 2 * rng.normal(size=(n_samples, 2))
    y = random_targets(rng, head, n_samples, n_outputs, one_hot)
    low, high = saturated(net, X, y)
    assume(low and high)
    assert net.clipped_samples(net.forward(X), y) > 0
    # Saturated layers can pass back gradients of 1e-7 under a loss of 10. A central difference of the
    # loss rounds at about loss * 2**-64 / 1e-6 = 5e-14 * loss per element (in long double), so such a
    # gradient is beyond its resolution: the comparison would measure rounding, not the gradient.
    loss = net.differentiated_loss(net.forward(X), y)
    assume(min(np.linalg.norm(g) for g in analytic_gradients(net, X, y).values()) >= 1e-5 * loss)
    errors = gradcheck(net, X, y)
    assert max(errors.values()) <= 1e-6, errors


@pytest.mark.parametrize("head", [HEADS[0], HEADS[1]], ids=["softmax-cce", "sigmoid-bce"])
def test_saturated_outputs_where_the_loss_clips_still_match_finite_differences(head):
    """Large weights push some probabilities past the 1e-7 clip. The gradient there is not zero (the
    book's rule), and the fused and separate softmax paths agree."""
    rng = np.random.default_rng(11)
    net = random_network(rng, 2, [(6, "tanh")], 3, head)
    for layer in net.dense_layers:
        layer.weights *= 12.0
    X = rng.normal(size=(40, 2))
    y = random_targets(rng, head, 40, 3, one_hot=False)
    assert saturated(net, X, y) == (True, True)
    assert max(gradcheck(net, X, y).values()) <= 1e-6
    if head[0] == "softmax":
        separate = Network(net.layers, net.loss, fused=False)
        net.backward(net.forward(X), y)
        fused_dw = net["dense1.dweights"].copy()
        separate.backward(separate.forward(X), y)
        assert np.max(np.abs(fused_dw - separate["dense1.dweights"])) <= 1e-12


def test_a_sample_at_p_1e_12_keeps_its_fused_gradient_row():
    """Softmax output with true-class p = 1e-12: the row is (p - onehot) / N, about -1/N, not 0."""
    z = np.array([[0.0, np.log(1e-12), 0.0], [1.0, 2.0, 3.0]])
    net = Network([Dense(3, 3, weights=np.eye(3)), nncore.Softmax()],
                  nncore.CategoricalCrossentropy())
    y = np.array([1, 2])
    p = net.forward(z)
    # By hand: softmax of (0, ln 1e-12, 0) is (1, 1e-12, 1) / (2 + 1e-12).
    assert p[0, 1] == pytest.approx(1e-12 / (2 + 1e-12), rel=1e-12)
    net.backward(p, y)
    expected = (p - np.eye(3)[y]) / 2
    np.testing.assert_allclose(net.layers[1].dinputs, expected, rtol=1e-15, atol=0)
    assert net.layers[1].dinputs[0, 1] == pytest.approx((0.5e-12 - 1) / 2, rel=1e-12)
    assert net.clipped_samples(p, y) == 1
    # The printed loss clips that sample at -log(1e-7); the differentiated one does not.
    assert net.data_loss(p, y) == pytest.approx((-np.log(1e-7) - np.log(p[1, 2])) / 2, rel=1e-12)
    assert net.differentiated_loss(p, y) == pytest.approx((-np.log(p[0, 1]) - np.log(p[1, 2])) / 2, rel=1e-12)


@pytest.mark.parametrize(("weights", "expected"), [(0.0, 1.0), (-0.0, 1.0), (-2.0, -1.0), (3.0, 1.0)])
def test_l1_gradient_at_zero_is_the_books(weights, expected):
    """The book's dL1: +1 where w >= 0 (so at exactly 0, where biases start), -1 where w < 0."""
    layer = Dense(1, 1, weights=[[weights]], biases=[[weights]], weight_regularizer_l1=0.5,
                  bias_regularizer_l1=0.25)
    layer.forward(np.zeros((1, 1)))
    layer.backward(np.zeros((1, 1)))
    assert layer.dweights[0, 0] == 0.5 * expected and layer.dbiases[0, 0] == 0.25 * expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_binary_crossentropy_share_one_complement(dtype):
    """dL/dz of sigmoid + binary cross-entropy is (p - y) / n. With y = 0 and z = 12..15.5 (p within 1e-5
    of 1, nothing clipped), 1 - p must be the same number in the loss's 1/(1 - p) and in the sigmoid's
    p (1 - p), or float32 rounding leaves errors of up to 20%."""
    z = np.array([[12.0], [14.0], [15.0], [15.5]])
    net = Network([Dense(1, 1, weights=[[1.0]], dtype=dtype), nncore.Sigmoid()], nncore.BinaryCrossentropy())
    p = net.forward(z)
    assert net.clipped_samples(p, np.zeros(4)) == 0
    net.backward(p, np.zeros(4))
    exact = 1 / (1 + np.exp(-z)) / 4  # (p - 0) / n, in float64
    assert np.max(np.abs(net.layers[1].dinputs - exact) / exact) <= (1e-6 if dtype == np.float32 else 1e-14)


def test_gradient_resolution_tells_a_saturated_gradient_from_a_comparable_one():
    """One sigmoid unit, y = 1. At z = 100 the gradient is -p (1 - p) / q, about -e^-100 = -4e-44: no
    central difference of a loss near 1e-7 can see it (the numerical side reads 0), and the resolution
    says so. At z = 0 the gradient is -(1 - 0.5) = -0.5, far above it, and the two agree."""
    for z, saturated in ((100.0, True), (0.0, False)):
        net = Network([Dense(1, 1, weights=[[z]]), nncore.Sigmoid()], nncore.BinaryCrossentropy())
        X, y = np.array([[1.0]]), np.array([1])
        net.backward(net.forward(X), y)
        analytic = net["dense1.dweights"][0, 0]
        numerical = nncore.numerical_gradient(net, X, y, "dense1.weights", (0, 0))
        floor = nncore.gradient_resolution(net, X, y)
        assert 0 < floor < 1e-12  # |L| <= 1: u / 1e-6 (u = 2**-63 on x86's long double: 1.1e-13)
        if saturated:
            assert analytic == pytest.approx(-np.exp(-100.0) / (1 - 1e-7), rel=1e-9)
            assert abs(analytic) < floor and abs(numerical) < floor
        else:
            assert analytic == -0.5 and abs(analytic) > 1e9 * floor
            assert nncore.relative_error(analytic, numerical) < 1e-9
