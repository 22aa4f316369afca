"""The dense (fully connected) layer, in the notes' layout: output = inputs @ weights + biases,
its weight initialisations, and the book's dropout layer (chapter 15)."""

import numpy as np


class Dense:
    """A layer of ``n_neurons`` neurons, each with ``n_inputs`` weights and one bias.

    Shapes: ``weights`` (n_inputs, n_neurons) — the notes' ``Layer_Dense`` stores W
    already transposed, so one row per input, one column per neuron; ``biases``
    (1, n_neurons); ``forward`` takes (n_samples, n_inputs), returns (n_samples, n_neurons).
    After ``backward``: ``dweights``, ``dbiases`` (shaped as the parameters) and
    ``dinputs`` (n_samples, n_inputs). Regularisation strengths follow the book:
    L1 adds ``l1 * sum|w|`` to the loss, L2 adds ``l2 * sum(w**2)``. The L1 gradient is
    ``l1 * l1_sign(w)``: +1 where w >= 0, as in the book (not sign(w), which is 0 at 0:
    biases start at exactly 0, so the two differ from the first update).

    ``init`` names how weights are drawn from ``rng`` when none are given (see ``INITS``).
    ``frozen``: the optimizers leave this layer's parameters (and their state for it) alone;
    ``backward`` still computes its gradients, so they can be looked at.
    """

    def __init__(self, n_inputs, n_neurons, *, weights=None, biases=None, rng=None, init="book",
                 weight_regularizer_l1=0.0, weight_regularizer_l2=0.0,
                 bias_regularizer_l1=0.0, bias_regularizer_l2=0.0,
                 dtype=np.float64, name="dense", frozen=False):
        n_inputs, n_neurons = int(n_inputs), int(n_neurons)
        if n_inputs < 1 or n_neurons < 1:
            raise ValueError(f"{name}: n_inputs and n_neurons must be >= 1, got {n_inputs} and {n_neurons}")
        self.name = name
        self.n_inputs, self.n_neurons = n_inputs, n_neurons
        if weights is None:
            weights = initial_weights(init, n_inputs, n_neurons, rng, name)
        if biases is None:
            biases = np.zeros((1, n_neurons))
        self.weights = _checked(np.array(weights, dtype=dtype), (n_inputs, n_neurons), f"{name}.weights")
        self.biases = _checked(np.array(biases, dtype=dtype).reshape(1, -1) if np.ndim(biases) == 1
                               else np.array(biases, dtype=dtype), (1, n_neurons), f"{name}.biases")
        self.weight_regularizer_l1 = float(weight_regularizer_l1)
        self.weight_regularizer_l2 = float(weight_regularizer_l2)
        self.bias_regularizer_l1 = float(bias_regularizer_l1)
        self.bias_regularizer_l2 = float(bias_regularizer_l2)
        self.frozen = bool(frozen)
        self.dweights = np.zeros_like(self.weights)
        self.dbiases = np.zeros_like(self.biases)

    def forward(self, inputs):
        if inputs.ndim != 2 or inputs.shape[1] != self.n_inputs:
            raise ValueError(f"{self.name}: expects inputs of shape (n_samples, {self.n_inputs}), "
                             f"got {inputs.shape}")
        self.inputs = inputs
        self.output = inputs @ self.weights
        self.output += self.biases  # in place: no second (n_samples, n_neurons) array
        return self.output

    def backward(self, dvalues, input_gradient=True):
        # dL/dW_ij = sum over samples of x_i * dL/dz_j: one matrix product. OpenBLAS is about
        # twice as fast with the narrow operand on the left, hence the transposed form.
        if self.n_inputs <= self.n_neurons:
            self.dweights = (dvalues.T @ self.inputs).T
        else:
            self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.ones((1, dvalues.shape[0]), dtype=dvalues.dtype) @ dvalues
        if self.weight_regularizer_l1:
            self.dweights += self.weight_regularizer_l1 * l1_sign(self.weights)
        if self.weight_regularizer_l2:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1:
            self.dbiases += self.bias_regularizer_l1 * l1_sign(self.biases)
        if self.bias_regularizer_l2:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        # dL/dx_i = sum over neurons of dL/dz_j * w_ij: W transposed, as section 4.1 notes.
        # The first layer's dL/dX is not needed to train, so a trainer may skip it.
        self.dinputs = dvalues @ self.weights.T if input_gradient else None
        return self.dinputs

    def regularization_loss(self):
        """The book's L1/L2 penalty of this layer (a scalar of the weights' dtype)."""
        loss = self.weights.dtype.type(0)
        if self.weight_regularizer_l1:
            loss += self.weight_regularizer_l1 * np.abs(self.weights).sum()
        if self.weight_regularizer_l2:
            loss += self.weight_regularizer_l2 * (self.weights**2).sum()
        if self.bias_regularizer_l1:
            loss += self.bias_regularizer_l1 * np.abs(self.biases).sum()
        if self.bias_regularizer_l2:
            loss += self.bias_regularizer_l2 * (self.biases**2).sum()
        return loss

    def __repr__(self):
        return f"Dense({self.n_inputs}, {self.n_neurons}, name={self.name!r})"


# Standard deviation of the weights for (fan_in, fan_out); each draws standard normals times it.
INITS = {
    "book": lambda fan_in, fan_out: 0.01,                               # the book's 0.01 * randn
    "book17": lambda fan_in, fan_out: 0.1,                              # the book's chapter 17 (regression)
    "zeros": lambda fan_in, fan_out: 0.0,                               # every neuron alike: none can differ
    "xavier": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),  # Glorot normal: keeps variance both ways
    "he": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),               # He normal: ReLU halves the variance
}


def initial_weights(init, n_inputs, n_neurons, rng, name="dense"):
    """Weights (n_inputs, n_neurons) drawn as scale * rng.standard_normal, scale from ``INITS``:
    "book" 0.01 (chapters 3-16), "book17" 0.1 (chapter 17, where the book raises it for regression: from
    0.01 its 1-64-64-1 sine network stalls), "xavier" sqrt(2 / (fan_in + fan_out)), "he" sqrt(2 / fan_in)
    (plain normals, as PyTorch's xavier_normal_ and kaiming_normal_, not Keras's truncated ones). "zeros"
    draws nothing."""
    if init not in INITS:
        raise ValueError(f"{name}: unknown init {init!r}; choose one of {', '.join(INITS)}")
    if init == "zeros":
        return np.zeros((n_inputs, n_neurons))
    if rng is None:
        raise ValueError(f"{name}: pass rng (a numpy.random.Generator) or explicit weights; "
                         "nncore never draws from NumPy's global random state")
    return INITS[init](n_inputs, n_neurons) * rng.standard_normal((n_inputs, n_neurons))


class Dropout:
    """The book's ``Layer_Dropout`` (chapter 15): in training, each input is zeroed with probability
    ``rate`` and the survivors scaled by 1 / (1 - rate), so the expected output equals the input.

    ``rate`` is the share dropped, as passed to the book's constructor (the book then stores the
    keep probability 1 - rate under the same name; here that is ``keep``). The mask is the book's
    ``binomial(1, keep, size) / keep``, drawn from ``rng`` (or from the ``rng`` a single forward
    pass is given: a Trainer passes one per iteration so a replay redraws the same mask).
    ``training=False`` passes the inputs through (inference). ``hold``: reuse the last mask instead
    of drawing one, so that repeated passes compute one fixed function (a gradient check).
    """

    name = "dropout"

    def __init__(self, rate, *, rng=None):
        rate = float(rate)
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rate must be at least 0 and below 1, got {rate}")
        self.rate, self.keep = rate, 1.0 - rate
        self.rng = rng
        self.hold = False
        self.mask = None

    def forward(self, inputs, training=True, *, rng=None):
        self.inputs = inputs
        if not training or self.rate == 0:
            self.mask = None  # backward is then the identity's
            self.output = inputs
            return self.output
        if not (self.hold and self.mask is not None):
            rng = self.rng if rng is None else rng
            if rng is None:
                raise ValueError("dropout: pass rng (a numpy.random.Generator); nncore never draws from "
                                 "NumPy's global random state")
            self.mask = (rng.binomial(1, self.keep, size=inputs.shape) / self.keep).astype(inputs.dtype)
        elif self.mask.shape != inputs.shape:
            raise ValueError(f"dropout: the held mask has shape {self.mask.shape}, the inputs {inputs.shape}")
        self.output = inputs * self.mask
        return self.output

    def backward(self, dvalues):
        # output = inputs * mask, so d output / d inputs = mask: the same mask, zero where dropped.
        self.dinputs = dvalues if self.mask is None else dvalues * self.mask
        return self.dinputs

    def __repr__(self):
        return f"Dropout({self.rate})"


def l1_sign(values):
    """The book's subgradient of |w|: -1 where w < 0, else +1 (so +1 at exactly 0)."""
    return np.where(values < 0, -1.0, 1.0).astype(values.dtype, copy=False)


def _checked(array, shape, what):
    if array.shape != shape:
        raise ValueError(f"{what}: expected shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what}: contains NaN or infinite values")
    return array
