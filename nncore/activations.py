"""Activation functions: each forward sits next to its local derivative.

Every activation keeps the notes' vocabulary: ``forward(inputs)`` sets and returns
``output`` (same shape as ``inputs``, (n_samples, n_neurons)); ``backward(dvalues)``
sets and returns ``dinputs`` = dL/dinputs, given ``dvalues`` = dL/doutput.
"""

import numpy as np


class Activation:
    """Base class: subclasses define forward and backward."""

    name = "activation"

    def forward(self, inputs):
        raise NotImplementedError

    def backward(self, dvalues):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(Activation):
    """max(0, x). The derivative is taken as 0 at x == 0, as in the notes."""

    name = "relu"

    def forward(self, inputs):
        self.inputs = inputs
        self.mask = inputs > 0
        self.output = np.maximum(inputs, 0)
        return self.output

    def backward(self, dvalues):
        # Multiplying by the mask is ~5x faster than the book's boolean-index assignment.
        self.dinputs = dvalues * self.mask
        return self.dinputs


class Sigmoid(Activation):
    """1 / (1 + exp(-x)); derivative output * (1 - output), as in the book.

    ``complement`` = 1 - output, kept from the forward pass: near output 1, the subtraction
    1 - output would lose most digits (output = 1 - 4e-11 keeps 1 - output to only 3e-6), and
    binary cross-entropy multiplies it by up to 1e7.
    """

    name = "sigmoid"

    def forward(self, inputs):
        self.inputs = inputs
        # Through exp(-|x|) <= 1, so large |x| never overflows exp.
        e = np.exp(-np.abs(inputs))
        near_one = 1.0 / (1.0 + e)
        near_zero = e * near_one
        positive = inputs >= 0
        self.output = np.where(positive, near_one, near_zero)
        self.complement = np.where(positive, near_zero, near_one)
        return self.output

    def backward(self, dvalues):
        self.dinputs = dvalues * self.output * self.complement
        return self.dinputs

    max_slope = 0.25  # at x = 0

    def slope(self):
        """The local derivative output * (1 - output) at the last forward pass's inputs."""
        return self.output * self.complement


class Tanh(Activation):
    """tanh(x); derivative 1 - output**2."""

    name = "tanh"

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)
        return self.output

    def backward(self, dvalues):
        self.dinputs = dvalues * (1.0 - self.output**2)
        return self.dinputs

    max_slope = 1.0  # at x = 0

    def slope(self):
        """The local derivative 1 - output**2 at the last forward pass's inputs."""
        return 1.0 - self.output**2


class Linear(Activation):
    """Identity; derivative 1."""

    name = "linear"

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs
        return self.output

    def backward(self, dvalues):
        self.dinputs = dvalues
        return self.dinputs


class Softmax(Activation):
    """Row-wise exp(x) / sum(exp(x)), shifted by the row maximum for stability."""

    name = "softmax"

    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - _row_max(inputs))
        self.output = exp_values / _row_sum(exp_values)
        return self.output

    def backward(self, dvalues):
        # Jacobian-vector product per sample, diag(s) - s s^T applied to dvalues,
        # written without building the (classes x classes) Jacobian.
        s = self.output
        self.dinputs = s * (dvalues - _row_sum(dvalues * s))
        return self.dinputs


def _row_max(a):
    """(n, k) -> (n, 1) row maxima. For a few columns, np.maximum over columns
    beats a row-wise reduction (NumPy reduces short rows slowly)."""
    if a.shape[1] <= 8:
        m = a[:, 0].copy()
        for j in range(1, a.shape[1]):
            np.maximum(m, a[:, j], out=m)
        return m[:, None]
    return a.max(axis=1, keepdims=True)


def _row_sum(a):
    """(n, k) -> (n, 1) row sums, as a product with a ones vector (one BLAS call)."""
    return a @ np.ones((a.shape[1], 1), dtype=a.dtype)


# A neuron's state on a batch (see ``neuron_states``).
WORKING, DEAD, SATURATED = 0, 1, 2
# Saturated: the activation's slope stays below this share of its largest on every sample, so less than 1%
# of the gradient arriving at the neuron passes through it (sigmoid' < 0.0025: |z| > 5.99; tanh' < 0.01:
# |z| > 2.99). A looser 10% would flag neurons that still learn, slowly; 1% is where learning stalls.
SATURATION_SHARE = 0.01


def neuron_states(activation):
    """Each neuron's state on the batch of ``activation``'s last forward pass, shape (n_neurons,), of
    WORKING, DEAD or SATURATED: a ReLU whose output is 0 on every sample is DEAD (no gradient of this
    batch reaches its weights: it comes back only if momentum, or the layers before it, move its
    input); a sigmoid or tanh whose slope is below SATURATION_SHARE of its largest on every sample is
    SATURATED (it passes almost no gradient back). Other activations (linear, softmax) are always
    WORKING."""
    output = activation.output
    states = np.full(output.shape[1], WORKING, dtype=np.int64)
    if isinstance(activation, ReLU):
        states[~np.any(output > 0, axis=0)] = DEAD
    elif hasattr(activation, "slope"):
        states[np.all(activation.slope() < SATURATION_SHARE * activation.max_slope, axis=0)] = SATURATED
    return states


ACTIVATIONS = {cls.name: cls for cls in (ReLU, Sigmoid, Tanh, Linear, Softmax)}
