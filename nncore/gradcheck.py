"""Numerical gradients by central finite differences, to prove the analytic ones.

The differences are taken on a copy of the network in extended precision
(``np.longdouble``, 64-bit mantissa on x86): in float64 a step of 1e-6 loses about
ten digits to rounding, which swamps small but correct gradients.

They differentiate the loss the analytic gradient belongs to (``Network.differentiated_loss``),
not the printed one: where the printed cross-entropy clips p to [1e-7, 1 - 1e-7] it is
flat, and a finite difference of it would be 0 while the book (and nncore, and PyTorch)
trains with the gradient of the unclipped loss.

Dropout layers keep the mask of the network's last forward pass throughout the differences
(``Dropout.hold``): with a fresh mask per evaluation the loss would not be one function.
"""

import copy

import numpy as np

from .layers import Dropout


def total_loss(network, X, y):
    """The differentiated data loss plus regularisation loss at the network's current parameters."""
    return network.differentiated_loss(network.forward(X), y) + network.regularization_loss()


def extended_copy(network):
    """A deep copy of ``network`` whose parameters are np.longdouble, its dropout masks held."""
    net = copy.deepcopy(network)
    for layer in net.dense_layers:
        layer.weights = layer.weights.astype(np.longdouble)
        layer.biases = layer.biases.astype(np.longdouble)
    for layer in net.layers:
        if isinstance(layer, Dropout):
            layer.hold = True
    return net


def numerical_gradient(network, X, y, name, index, *, epsilon=1e-6):
    """(L(p + eps) - L(p - eps)) / (2 eps) for element ``index`` of parameter ``name``
    (e.g. "dense1.weights", (0, 3)), in extended precision; returns a float."""
    return float(_central(extended_copy(network), X, y, name, index, epsilon))


def numerical_gradients(network, X, y, *, epsilon=1e-6):
    """{parameter name: array of numerical gradients shaped like the parameter}."""
    net = extended_copy(network)
    out = {}
    for name in net.parameter_names():
        grads = np.empty(net[name].shape)
        for index in np.ndindex(grads.shape):
            grads[index] = _central(net, X, y, name, index, epsilon)
        out[name] = grads
    return out


def analytic_gradients(network, X, y):
    """{parameter name: dL/dparameter from one forward and backward pass} (copies)."""
    network.backward(network.forward(X), y)
    return {name: network[gradient_name(name)].astype(np.float64) for name in network.parameter_names()}


def relative_error(analytic, numerical):
    """||a - n|| / (||a|| + ||n||): 0 when they agree, 1 when unrelated; 0 when both are 0."""
    analytic, numerical = np.asarray(analytic, np.float64), np.asarray(numerical, np.float64)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return float(np.linalg.norm(analytic - numerical) / scale) if scale > 0 else 0.0


def gradcheck(network, X, y, *, epsilon=1e-6):
    """{parameter name: relative error between analytic and numerical gradient}."""
    analytic = analytic_gradients(network, X, y)
    numerical = numerical_gradients(network, X, y, epsilon=epsilon)
    return {name: relative_error(analytic[name], numerical[name]) for name in analytic}


def gradient_resolution(network, X, y, *, epsilon=1e-6):
    """The smallest gradient a central difference of step ``epsilon`` can tell from 0 here: each
    loss evaluation rounds by up to |L| * u (u: np.longdouble's machine epsilon), and the quotient
    divides that by epsilon. A gradient below it (a saturated layer's can be 1e-50) is beyond the
    check, so a relative error there measures rounding, not the gradient."""
    loss = abs(float(total_loss(extended_copy(network), X, y)))
    return max(loss, 1.0) * float(np.finfo(np.longdouble).eps) / epsilon


def gradient_name(name):
    """"dense1.weights" -> "dense1.dweights"."""
    layer, _, attribute = name.partition(".")
    return f"{layer}.d{attribute}"


def _central(net, X, y, name, index, epsilon):
    array = net[name]
    original = array[index]
    try:
        array[index] = original + epsilon
        plus = total_loss(net, X, y)
        array[index] = original - epsilon
        minus = total_loss(net, X, y)
    finally:
        array[index] = original
    return (plus - minus) / (2 * epsilon)
