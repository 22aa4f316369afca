"""The notes' two worked examples, iteration by iteration, with every factor kept.

``precision="notes"`` reproduces the printed numbers: the notes ran after
``nnfs.init``, which makes ``np.dot`` return float32, so each dot product is
rounded to float32 before the float64 bias is added. ``precision="float64"`` is the
exact float64 computation. Both are written out here, not taken from Dense/ReLU,
so that the tests can check nncore's layers against them as an independent oracle.
"""

from dataclasses import dataclass

import numpy as np

PRECISIONS = ("notes", "float64")


def _dot(precision):
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "notes":
        return lambda a, b: np.dot(a, b).astype(np.float32).astype(np.float64)
    return np.dot


def _iterations(iterations):
    iterations = int(iterations)
    if not 1 <= iterations <= 100_000:
        raise ValueError(f"iterations must be 1..100000, got {iterations}")
    return iterations


@dataclass
class Lesson:
    """``losses[k]`` is the loss of iteration k + 1 (the notes' "Iteration k+1" for the
    neuron, "Iteration k" for the layer, which counts from 0). ``records[k]`` holds every
    value of that iteration, before and after its update."""

    losses: np.ndarray
    records: list
    final_weights: np.ndarray
    final_bias: float = None
    final_biases: np.ndarray = None
    learning_rate: float = 0.001


def single_neuron(iterations=200, precision="notes", learning_rate=0.001):
    """Section 2: weights [-3, -1, 2], bias 1, inputs [1, -2, 3], ReLU, loss ReLU(sum)**2."""
    dot = _dot(precision)
    weights = np.array([-3.0, -1.0, 2.0])
    bias = 1.0
    inputs = np.array([1.0, -2.0, 3.0])
    records = []
    for _ in range(_iterations(iterations)):
        linear = dot(weights, inputs) + bias                  # sum(mul(x_i, w_i), b)
        output = max(linear, 0.0)                             # ReLU(sum)
        loss = output**2
        dloss_drelu = 2 * output                              # d(z^2)/dz
        drelu_dsum = 1.0 if linear > 0 else 0.0               # ReLU'
        dloss_dsum = dloss_drelu * drelu_dsum
        dweights = dloss_dsum * 1.0 * inputs                  # dsum/dmul = 1, dmul/dw_i = x_i
        dbias = dloss_dsum * 1.0                              # dsum/db = 1
        weight_step, bias_step = learning_rate * dweights, learning_rate * dbias
        new_weights = weights - weight_step
        new_bias = bias - bias_step
        records.append(dict(inputs=inputs, weights=weights, bias=bias, mul=weights * inputs, sum=linear,
                            relu=output, loss=loss, dloss_drelu=dloss_drelu, drelu_dsum=drelu_dsum,
                            dsum_dmul=1.0, dsum_db=1.0, dmul_dw=inputs, dloss_dsum=dloss_dsum,
                            dmul=dloss_dsum * np.ones(3), dweights=dweights, dbias=dbias,
                            dinputs=dloss_dsum * weights,  # dmul_i/dx_i = w_i
                            weight_step=weight_step, bias_step=bias_step,
                            new_weights=new_weights, new_bias=new_bias))
        weights, bias = new_weights, new_bias
    return Lesson(np.array([r["loss"] for r in records]), records, weights, final_bias=bias,
                  learning_rate=learning_rate)


def dense_layer(iterations=200, precision="notes", learning_rate=0.001):
    """Sections 3 and 3.1: 3 neurons x 4 inputs, y = sum(ReLU(Z)), loss y**2.

    W is in the notes' (neurons, inputs) layout, so Z = W . X + B; dL/dW is the outer
    product of dL/dZ (3,) and X (4,), shaped (3, 4); dL/dX = dL/dZ . W (section 4).
    """
    dot = _dot(precision)
    X = np.array([1.0, 2.0, 3.0, 4.0])
    W = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2]])
    B = np.array([0.1, 0.2, 0.3])
    records = []
    for _ in range(_iterations(iterations)):
        Z = dot(W, X) + B
        A = np.maximum(Z, 0)
        y = A.sum()
        loss = y**2
        dl_dy = 2 * y
        dy_dA = np.ones_like(A)
        dA_dZ = (Z > 0).astype(np.float64)
        dl_dZ = dl_dy * dy_dA * dA_dZ
        dl_dW = np.outer(dl_dZ, X)
        dl_dB = dl_dZ
        dl_dX = dl_dZ @ W                                      # sum over neurons of dl/dz_i * w_in
        new_W, new_B = W - learning_rate * dl_dW, B - learning_rate * dl_dB
        records.append(dict(X=X, W=W, B=B, Z=Z, A=A, y=y, loss=loss, dl_dy=dl_dy, dy_dA=dy_dA, dA_dZ=dA_dZ,
                            dl_dZ=dl_dZ, dl_dW=dl_dW, dl_dB=dl_dB, dl_dX=dl_dX, new_W=new_W, new_B=new_B))
        W, B = new_W, new_B
    return Lesson(np.array([r["loss"] for r in records]), records, W, final_biases=B,
                  learning_rate=learning_rate)


def neuron_numerical_gradients(record, epsilon=1e-6):
    """Finite-difference dL/dw0..dw2 and dL/db at one iteration of ``single_neuron``,
    through nncore's own Dense + ReLU + squared loss (MSE of one output against 0).
    Returns (dweights (3,), dbias, relative error against the record's chain-rule gradients)."""
    from .activations import ReLU
    from .gradcheck import numerical_gradient, relative_error
    from .layers import Dense
    from .losses import MeanSquaredError
    from .network import Network

    net = Network([Dense(3, 1, weights=record["weights"].reshape(3, 1), biases=[[record["bias"]]]), ReLU()],
                  MeanSquaredError())
    X, y = record["inputs"].reshape(1, 3), np.zeros((1, 1))
    dw = np.array([numerical_gradient(net, X, y, "dense1.weights", (i, 0), epsilon=epsilon) for i in range(3)])
    db = numerical_gradient(net, X, y, "dense1.biases", (0, 0), epsilon=epsilon)
    return dw, db, relative_error(np.r_[record["dweights"], record["dbias"]], np.r_[dw, db])


def layer_numerical_gradients(record, epsilon=1e-6):
    """Finite-difference dL/dW (3, 4) and dL/dB (3,) at one iteration of ``dense_layer``:
    the loss (sum of ReLU(Z))**2 evaluated by nncore's Dense and ReLU. Returns (dW, dB,
    relative error against the record's chain-rule gradients)."""
    from .activations import ReLU
    from .gradcheck import relative_error
    from .layers import Dense

    def loss(W, B):
        dense = Dense(4, 3, weights=W.T, biases=B, dtype=np.longdouble)  # extended precision, as gradcheck
        a = ReLU().forward(dense.forward(record["X"].reshape(1, 4).astype(np.longdouble)))
        return a.sum() ** 2

    W, B = record["W"].astype(np.longdouble), record["B"].astype(np.longdouble)
    dW, dB = np.zeros(W.shape), np.zeros(B.shape)
    for index in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[index] = epsilon
        dW[index] = (loss(W + e, B) - loss(W - e, B)) / (2 * epsilon)
    for j in range(3):
        e = np.zeros_like(B)
        e[j] = epsilon
        dB[j] = (loss(W, B + e) - loss(W, B - e)) / (2 * epsilon)
    return dW, dB, relative_error(np.r_[record["dl_dW"].ravel(), record["dl_dB"]], np.r_[dW.ravel(), dB])
