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
    """``records[k]`` holds every value of the forward and backward pass at the state after k
    updates (iteration k, as the playground counts), and of the update that follows; ``losses[k]``
    is its loss. The notes print it as "Iteration k+1" for the neuron (their loop counts from 1)
    and "Iteration k" for the layer (from 0)."""

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


# ---------------------------------------------------------------- exercises: predict, then reveal

RELATIVE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Prediction:
    """One number the student works out before pressing Step: its name, the right value, the
    formula it follows, and wrong values a student is likely to reach, each with its hint."""

    name: str
    truth: float
    formula: str
    mistakes: tuple = ()  # ((value, hint), ...), the likelier first


def close(answer, truth, rtol=RELATIVE_TOLERANCE):
    """``answer`` within ``rtol`` of ``truth``, relatively (exactly 0 when the truth is 0: a dead ReLU's gradient)."""
    return abs(answer - truth) <= rtol * abs(truth) if truth != 0 else abs(answer) < 1e-12


def check(prediction, answer):
    """(right?, hint): the hint names the factor that is off when ``answer`` is one of the known
    mistakes, else it spells out the formula."""
    if close(answer, prediction.truth):
        return True, "Right."
    for value, hint in prediction.mistakes:
        if close(answer, value):
            return False, hint
    return False, f"Not this one. Work it out factor by factor: {prediction.formula}."


def _update_mistakes(name, before, grad, lr, loss):
    return ((before, f"That is {name} before the update; subtract {lr:g} · d{loss}/d{name}."),
            (before + lr * grad, f"Wrong sign: gradient descent subtracts the step, {name} − {lr:g} · "
             f"d{loss}/d{name}."),
            (before - grad, f"You left out the learning rate: the step is {lr:g} · d{loss}/d{name}."))


def neuron_predictions(lesson, iteration):
    """At ``iteration`` of ``single_neuron``: dL/dReLU, dL/dw1 and w1 after the update, all of
    iteration + 1 (its forward pass runs on the "after" weights on screen). Needs records[iteration + 1]."""
    now, nxt = lesson.records[iteration], lesson.records[iteration + 1]
    lr, d, x1 = lesson.learning_rate, nxt["drelu_dsum"], nxt["inputs"][1]
    return [
        Prediction("dL/dReLU", nxt["dloss_drelu"], "dL/dReLU = 2 · ReLU(sum), sum = x · w + b with the updated w and b",
                   ((now["dloss_drelu"], "That is this iteration's dL/dReLU: first run the forward pass with the "
                     "updated weights and bias (the 'after' column)."),
                    (nxt["relu"], "That is ReLU(sum) itself; dL/dReLU = 2 · ReLU(sum)."),
                    (nxt["loss"], "That is the loss ReLU(sum)²; its derivative is 2 · ReLU(sum)."))),
        Prediction("dL/dw1", nxt["dweights"][1], "dL/dw1 = dL/dReLU · dReLU/dsum · dsum/dmul1 · dmul1/dw1",
                   ((-nxt["dweights"][1], f"Right size, wrong sign: dmul1/dw1 = x1 = {x1:g}."),
                    (nxt["dloss_drelu"], f"That is dL/dReLU; multiply by dReLU/dsum = {d:g} and by "
                     f"dmul1/dw1 = x1 = {x1:g}."),
                    (nxt["dloss_drelu"] * d, f"That is dL/dsum; multiply by dmul1/dw1 = x1 = {x1:g}."),
                    (nxt["dloss_dsum"] * nxt["weights"][1], f"You multiplied by w1; dmul1/dw1 = x1 = {x1:g}."),
                    (now["dweights"][1], "That is this iteration's dL/dw1: use the forward pass at the updated "
                     "weights."))),
        Prediction("w1 after the update", nxt["new_weights"][1], f"w1 − {lr:g} · dL/dw1",
                   _update_mistakes("w1", nxt["weights"][1], nxt["dweights"][1], lr, "L")),
    ]


def layer_predictions(lesson, iteration):
    """At ``iteration`` of ``dense_layer``: dl/dy, dl/dw23 (neuron 2's weight on input 3) and w23
    after the update, all of iteration + 1. Needs records[iteration + 1]."""
    now, nxt = lesson.records[iteration], lesson.records[iteration + 1]
    lr, d, x3 = lesson.learning_rate, nxt["dA_dZ"][1], nxt["X"][2]
    return [
        Prediction("dl/dy", nxt["dl_dy"], "dl/dy = 2y, y = sum(ReLU(W·X + B)) with the updated W and B",
                   ((now["dl_dy"], "That is this iteration's dl/dy: first run the forward pass with the updated "
                     "W and B."),
                    (nxt["y"], "That is y itself; dl/dy = 2y."),
                    (nxt["loss"], "That is the loss y²; its derivative is 2y."))),
        Prediction("dl/dw23", nxt["dl_dW"][1, 2], "dl/dw23 = dl/dy · dy/da2 · da2/dz2 · dz2/dw23",
                   ((-nxt["dl_dW"][1, 2], f"Right size, wrong sign: dz2/dw23 = x3 = {x3:g}."),
                    (nxt["dl_dZ"][1], f"That is dl/dz2; multiply by dz2/dw23 = x3 = {x3:g}."),
                    (nxt["dl_dy"], f"That is dl/dy; multiply by dy/da2 = 1, da2/dz2 = {d:g} (ReLU') and "
                     f"dz2/dw23 = x3 = {x3:g}."),
                    (nxt["dl_dZ"][1] * nxt["W"][1, 2], f"You multiplied by w23; dz2/dw23 = x3 = {x3:g}."),
                    (now["dl_dW"][1, 2], "That is this iteration's dl/dw23: use the forward pass at the updated "
                     "W and B."))),
        Prediction("w23 after the update", nxt["new_W"][1, 2], f"w23 − {lr:g} · dl/dw23",
                   _update_mistakes("w23", nxt["W"][1, 2], nxt["dl_dW"][1, 2], lr, "l")),
    ]
