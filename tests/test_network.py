"""Network helpers the pages lean on: weight_terms, probability_grid and infer, against
values worked out independently in each test."""

import copy
import math

import numpy as np
import pytest

import nncore
from nncore import BinaryCrossentropy, Dense, Linear, MeanSquaredError, Network, Sigmoid
from nncore.network import weight_terms

# Dyadic numbers (multiples of powers of two): every sum and product below is exact in
# float64, so the chain rule's terms can be compared with the stored gradient bit for bit.
X = np.array([[0.5, -1.0, 2.0], [0.25, 1.5, -0.5], [-2.0, 0.75, 1.0], [1.0, 0.5, -0.25]])
Y = np.array([[1.0, -0.5], [0.0, 2.0], [-1.5, 0.25], [0.5, 1.0]])
W = np.array([[0.5, -0.25], [-1.0, 0.125], [0.75, -0.5]])
B = np.array([[0.125, -0.25]])
L1, L2 = 0.125, 0.0625


def test_weight_terms_take_the_books_l1_pull_at_exactly_zero():
    """A weight at exactly 0 under L1: the book's dL1 is +1 there (np.sign would say 0)."""
    weights = W.copy()
    weights[1, 0] = 0.0
    net = Network([Dense(3, 2, weights=weights, biases=B, weight_regularizer_l1=L1), Linear()], MeanSquaredError())
    net.backward(net.forward(X), Y)
    terms = weight_terms(net, "dense1", 1, 0)
    assert terms["regularization_gradient"] == L1
    assert terms["dweight"] == terms["data_gradient"] + L1


@pytest.mark.parametrize("activation", [True, False], ids=["dense+linear", "dense alone"])
def test_weight_terms_are_the_chain_rule_by_hand(activation):
    dense = Dense(3, 2, weights=W, biases=B, weight_regularizer_l1=L1, weight_regularizer_l2=L2)
    net = Network([dense, Linear()] if activation else [dense], MeanSquaredError())
    net.backward(net.forward(X), Y)
    n, outputs = Y.shape
    # MSE = mean over samples and outputs of (y - z)**2, so dL/dz = -2 (y - z) / (n * outputs).
    z = X @ W + B
    dz = -2 * (Y - z) / (n * outputs)
    for i in range(3):
        for j in range(2):
            terms = weight_terms(net, "dense1", i, j)
            assert np.array_equal(terms["x"], X[:, i]) and np.array_equal(terms["dz"], dz[:, j])
            assert np.array_equal(terms["products"], X[:, i] * dz[:, j])
            # L1 adds l1 * sign(w), L2 adds 2 * l2 * w (the derivatives of l1|w| and l2 w**2).
            reg = L1 * np.sign(W[i, j]) + 2 * L2 * W[i, j]
            assert terms["regularization_gradient"] == reg != 0
            assert terms["data_gradient"] == sum(X[s, i] * dz[s, j] for s in range(n))
            assert sum(terms["products"]) + terms["regularization_gradient"] == dense.dweights[i, j]
            assert terms["dweight"] == dense.dweights[i, j]


def test_weight_terms_refuse_unknown_layers_and_indices():
    net = nncore.mlp(2, [(3, "relu")], 2)
    net.backward(net.forward(X[:, :2]), np.array([0, 1, 1, 0]))
    with pytest.raises(ValueError, match="unknown layer 'dense7'"):
        weight_terms(net, "dense7", 0, 0)
    with pytest.raises(ValueError, match=r"weight \(2, 0\) is outside weights \(2, 3\)"):
        weight_terms(net, "dense1", 2, 0)


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def one_input_net(wx, wy):
    """P(class 1) = sigmoid(wx * x + wy * y): hand-set weights, no bias."""
    return Network([Dense(2, 1, weights=[[wx], [wy]], biases=[[0.0]]), Sigmoid()], BinaryCrossentropy())


def test_probability_grid_rows_run_along_y_and_columns_along_x():
    x_range, y_range, res = (-3.0, 1.0), (-1.0, 2.0), 5
    xs = [x_range[0] + k * (x_range[1] - x_range[0]) / (res - 1) for k in range(res)]
    ys = [y_range[0] + k * (y_range[1] - y_range[0]) / (res - 1) for k in range(res)]
    along_x = nncore.probability_grid(one_input_net(1.0, 0.0), x_range, y_range, res)
    along_y = nncore.probability_grid(one_input_net(0.0, 1.0), x_range, y_range, res)
    assert along_x.shape == along_y.shape == (res, res, 2)
    for r in range(res):
        for c in range(res):
            assert along_x[r, c, 1] == pytest.approx(sigmoid(xs[c]), rel=1e-14)  # column c is x = xs[c]
            assert along_y[r, c, 1] == pytest.approx(sigmoid(ys[r]), rel=1e-14)  # row r is y = ys[r]
    # The corners, spelled out: row 0 is y_range[0], column 0 is x_range[0].
    assert along_y[0, 0, 1] == pytest.approx(sigmoid(-1.0)) and along_y[-1, 0, 1] == pytest.approx(sigmoid(2.0))
    assert along_x[0, 0, 1] == pytest.approx(sigmoid(-3.0)) and along_x[0, -1, 1] == pytest.approx(sigmoid(1.0))
    # One sigmoid output gives two columns: P(class 0) = 1 - p, P(class 1) = p.
    assert np.array_equal(along_x[..., 0], 1 - along_x[..., 1])


def test_probability_grid_in_blocks_equals_one_inference():
    net = nncore.mlp(2, [(16, "relu"), (8, "tanh")], 3, seed=4)
    for layer in net.dense_layers:  # weights large enough that the classes really differ across the grid
        layer.weights *= 100
    res, x_range, y_range = 70, (-1.5, 2.0), (-2.0, 1.0)  # 4,900 points: past one 4,096-point block
    xs, ys = np.linspace(*x_range, res), np.linspace(*y_range, res)
    points = np.column_stack([np.tile(xs, res), np.repeat(ys, res)])  # row-major: x varies fastest
    whole = net.infer(points).reshape(res, res, 3)
    grid = nncore.probability_grid(net, x_range, y_range, res)
    # Not bit for bit: OpenBLAS rounds a row's dot products by the row's place in its kernel's
    # tiles, so a few rows of 4,900 differ in the last bit (2.8e-17 seen). Neighbouring points
    # differ by 4e-6 or more, so a row out of place or lost at the block seam fails this by far.
    assert grid.shape == whole.shape and np.abs(grid - whole).max() <= 1e-15
    assert grid[..., 0].max() - grid[..., 0].min() > 0.5


def test_infer_leaves_every_cached_value_alone():
    net = nncore.mlp(2, [(5, "relu"), (4, "tanh")], 3, seed=1, l2=1e-3)
    Xtr, ytr = X[:, :2], np.array([0, 2, 1, 2])
    net.backward(net.forward(Xtr), ytr)
    names = ("inputs", "output", "dinputs", "dweights", "dbiases", "weights", "biases")
    before = [{k: getattr(layer, k) for k in names if isinstance(getattr(layer, k, None), np.ndarray)}
              for layer in net.layers]
    assert all({"inputs", "output", "dinputs"} <= set(cached) for cached in before)
    values = copy.deepcopy(before)
    totals = [(k, getattr(net, k)) for k in ("output", "doutput", "dinputs")]
    total_values = copy.deepcopy(totals)
    other = np.array([[3.0, -2.0], [0.5, 0.5], [-1.0, 4.0], [2.0, 2.0], [0.0, -3.0], [1.0, 1.0], [9.0, 0.0]])
    out = net.infer(other)
    for layer, cached, copied in zip(net.layers, before, values):
        for k, array in cached.items():
            assert getattr(layer, k) is array, (layer, k)          # the same object...
            assert np.array_equal(array, copied[k]), (layer, k)    # ...holding the same numbers
    for (k, array), (_, copied) in zip(totals, total_values):
        assert getattr(net, k) is array and np.array_equal(array, copied), k
    assert np.array_equal(out, copy.deepcopy(net).forward(other))  # and the answer is a forward pass's


def test_neuron_summaries_and_layer_values_by_hand():
    """Activity = mean |a_j| over the batch; gradient = ‖dL/da_j‖ for the hidden layer (what the next
    layer sends back: dL/dz2 @ W2.T) and ‖dL/dz_j‖ = ‖(p - onehot)/n‖ for the softmax output;
    layer_values gives a and those gradients per sample."""
    rng = np.random.default_rng(3)
    net = nncore.mlp(2, [(4, "relu")], 3, seed=1)
    net.set_parameters([(rng.normal(size=w.shape), rng.normal(size=b.shape)) for w, b in net.get_parameters()])
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 3, 7)
    net.backward(net.forward(X), y)
    (w1, b1), (w2, b2) = net.get_parameters()
    a = np.maximum(X @ w1 + b1, 0)
    z2 = a @ w2 + b2
    p = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    dz2 = (p - np.eye(3)[y]) / 7
    (act1, grad1), (act2, grad2) = net.neuron_summaries()
    np.testing.assert_allclose(act1, np.abs(a).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(grad1, np.sqrt(((dz2 @ w2.T) ** 2).sum(axis=0)), rtol=1e-12)
    np.testing.assert_allclose(act2, p.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(grad2, np.sqrt((dz2 ** 2).sum(axis=0)), rtol=1e-12)
    # layer_values: the arrays themselves, before reducing.
    hidden, output = net.layer_values()
    assert (hidden["name"], hidden["activation"], output["name"], output["activation"]) == \
        ("dense1", "relu", "dense2", "softmax")
    np.testing.assert_allclose(hidden["a"], a, rtol=1e-12)
    np.testing.assert_allclose(hidden["grad"], dz2 @ w2.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(output["a"], p, rtol=1e-12)
    np.testing.assert_allclose(output["grad"], dz2, rtol=1e-12, atol=1e-15)
    assert hidden["state"].tolist() == [nncore.DEAD if not (a[:, j] > 0).any() else nncore.WORKING
                                        for j in range(4)]


def test_sample_input_gradients_are_each_samples_own_finite_differences():
    """dL_s/dx_s of sample s's own loss, by central differences of that one sample's loss; the
    network's cached gradients stay those of its last backward pass."""
    rng = np.random.default_rng(4)
    net = nncore.mlp(2, [(5, "tanh")], 3, seed=2)
    net.set_parameters([(rng.normal(size=w.shape), rng.normal(size=b.shape)) for w, b in net.get_parameters()])
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 3, 6)
    net.backward(net.forward(X[:2]), y[:2])
    kept = net.dense_layers[0].dweights.copy()
    got = nncore.network.sample_input_gradients(net, X, y)
    h = 1e-6
    for s in range(len(X)):
        for i in range(2):
            up, down = X[s:s + 1].copy(), X[s:s + 1].copy()
            up[0, i] += h
            down[0, i] -= h
            diff = net.data_loss(net.infer(up), y[s:s + 1]) - net.data_loss(net.infer(down), y[s:s + 1])
            assert got[s, i] == pytest.approx(diff / (2 * h), rel=1e-6, abs=1e-9)
    np.testing.assert_array_equal(net.dense_layers[0].dweights, kept)


# A batch of three samples for the neuron states: x1 = 1, -1, 0.5.
STATE_X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.0]])


def _state_network():
    """relu(3) -> sigmoid(3) -> tanh(2) -> softmax(2), weights set by hand:
    relu 0: z = -1 on every sample (dead); relu 1: z = x1 = 1, -1, 0.5 (working); relu 2: z = 0 exactly
    (dead: ReLU(0) = 0, as in the notes). sigmoid 0: z = 10, slope 4.5e-5 (saturated); sigmoid 1: z = -7,
    slope 9.1e-4 (saturated); sigmoid 2: z = 10 * relu1 = 10, 0, 5, slope 0.25 at z = 0 (working: not on
    every sample). tanh 0: z = 3, slope 1 - tanh(3)^2 = 0.00987 < 0.01 (saturated); tanh 1: z = 2.9,
    slope 0.01205 (working). The softmax output is never marked."""
    relu = Dense(2, 3, weights=np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), biases=np.array([[-1.0, 0.0, 0.0]]))
    sig = Dense(3, 3, weights=np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 10.0], [0.0, 0.0, 0.0]]),
                biases=np.array([[10.0, -7.0, 0.0]]))
    tanh = Dense(3, 2, weights=np.zeros((3, 2)), biases=np.array([[3.0, 2.9]]))
    out = Dense(2, 2, weights=np.array([[40.0, -40.0], [1.0, 2.0]]), biases=np.zeros((1, 2)))
    return Network([relu, nncore.ReLU(), sig, Sigmoid(), tanh, nncore.Tanh(), out, nncore.Softmax()],
                   nncore.CategoricalCrossentropy())


def test_neuron_states_dead_relu_and_saturated_sigmoid_tanh_by_hand():
    net = _state_network()
    net.backward(net.forward(STATE_X), np.array([0, 1, 0]))
    W, D, S = nncore.WORKING, nncore.DEAD, nncore.SATURATED
    states = [s.tolist() for s in net.neuron_states()]
    assert states == [[D, W, D], [S, S, W], [S, W], [W, W]]
    # The thresholds by hand: sigmoid'(z) = 0.0025 at |z| = 5.99, tanh'(z) = 0.01 at |z| = 2.99.
    assert 1 / (1 + math.exp(-10)) * (1 - 1 / (1 + math.exp(-10))) == pytest.approx(4.5396e-5, rel=1e-4)
    assert 1 - math.tanh(3) ** 2 == pytest.approx(0.009866, rel=1e-3)
    assert 1 - math.tanh(2.9) ** 2 == pytest.approx(0.012048, rel=1e-3)
    # The output softmax here is saturated (z0 - z1 = 78.6 on every sample: p1 = 7e-35) and is not marked.
    assert net.output[:, 1].max() < 1e-30
    # The states need the forward pass only.
    fresh = _state_network()
    fresh.forward(STATE_X)
    assert [s.tolist() for s in fresh.neuron_states()] == states


def test_a_sigmoid_output_with_slope_near_0_is_not_marked():
    net = Network([Dense(1, 1, weights=np.array([[0.0]]), biases=np.array([[12.0]])), Sigmoid()],
                  BinaryCrossentropy())
    net.backward(net.forward(np.array([[1.0], [2.0]])), np.array([[1], [1]]))
    assert net.neuron_states()[0].tolist() == [nncore.WORKING]


def test_layer_values_with_dropout_are_before_the_mask():
    """With dropout after the hidden activation, a is the activation's output (before the mask) and
    dL/da what the Dropout layer sends back: the mask times dL/d(dropped a)."""
    net = nncore.mlp(2, [(6, "tanh")], 2, seed=2, dropout=0.5)
    X, y = np.random.default_rng(5).normal(size=(5, 2)), np.array([0, 1, 1, 0, 1])
    net.backward(net.forward(X), y)
    tanh, dropout, dense2 = net.layers[1], net.layers[2], net.layers[3]
    hidden = net.layer_values()[0]
    assert hidden["a"] is tanh.output
    np.testing.assert_array_equal(hidden["grad"], dense2.dinputs * dropout.mask)


def test_activation_names_follow_each_dense_layer_past_dropout_and_say_linear_where_there_is_none():
    net = nncore.mlp(2, [(4, "relu"), (3, "tanh")], 2, output="sigmoid", dropout=0.1)
    assert net.activation_names == ("relu", "tanh", "sigmoid")
    bare = nncore.Network([nncore.Dense(2, 3, rng=np.random.default_rng(0))], nncore.MeanSquaredError())
    assert bare.activation_names == ("linear",)  # z passes unchanged: what the linear activation computes
