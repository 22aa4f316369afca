"""A network: Dense layers and activations in sequence, with one loss at the end."""

import copy

import numpy as np

from .activations import ACTIVATIONS, Activation, Sigmoid, Softmax
from .activations import neuron_states as activation_states
from .features import Features
from .layers import INITS, Dense, Dropout, l1_sign
from .losses import LOSSES, BinaryCrossentropy, CategoricalCrossentropy, one_hot

# The loss that belongs to each output activation.
OUTPUT_LOSS = {"softmax": "categorical_crossentropy", "sigmoid": "binary_crossentropy",
               "linear": "mean_squared_error"}


class Network:
    """``layers``: Dense layers, activations and Dropout layers in order, optionally after a
    Features layer (input features computed from (x1, x2)); ``loss``: a Loss.

    ``forward(X)`` takes (n_samples, n_inputs) and returns ``output`` (dropout on unless
    ``training=False``);
    ``backward(output, y)`` fills every layer's gradients and ``dinputs`` (dL/dX),
    and never changes a parameter. Softmax followed by categorical cross-entropy uses
    the fused gradient (softmax - onehot) / n unless ``fused=False``.
    """

    def __init__(self, layers, loss, *, fused=True):
        self.layers = list(layers)
        self.loss = loss
        self.fused = fused
        width = None
        count = 0
        for position, layer in enumerate(self.layers):
            if isinstance(layer, Features):
                if position:
                    raise ValueError(f"a Features layer must come first, not at position {position}")
                width = layer.n_outputs
            if isinstance(layer, Dense):
                count += 1
                if layer.name == "dense":
                    layer.name = f"dense{count}"
                if width is not None and layer.n_inputs != width:
                    raise ValueError(f"{layer.name} (layer {position}) has n_inputs={layer.n_inputs}, but the "
                                     f"previous layer outputs {width} values: weights {layer.weights.shape}")
                width = layer.n_neurons
        if not count:
            raise ValueError("a network needs at least one Dense layer")
        names = [layer.name for layer in self.dense_layers]
        if len(set(names)) != len(names):
            raise ValueError(f"Dense layer names must be unique, got {names}")

    @property
    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def features(self):
        """The Features layer in front of the first Dense layer, or None."""
        return self.layers[0] if isinstance(self.layers[0], Features) else None

    @property
    def n_inputs(self):
        """The columns of X: 2 with features (they are computed from x1, x2), else the first Dense's."""
        return Features.n_inputs if self.features else self.dense_layers[0].n_inputs

    @property
    def input_labels(self):
        """The first Dense layer's inputs, for display: ("x1", "x2", "x1²", ...)."""
        if self.features:
            return self.features.labels
        return tuple(f"x{i + 1}" for i in range(self.n_inputs))

    @property
    def activation_names(self):
        """The name of the activation after each Dense layer ("relu", ..., "softmax"), before the next
        Dense (a Dropout may come between); "linear" where there is none: z passes unchanged."""
        names, after = [], None
        for layer in self.layers:
            if isinstance(layer, Dense):
                names.append("linear")
                after = len(names) - 1
            elif isinstance(layer, Activation) and after is not None:
                names[after], after = layer.name, None
        return tuple(names)

    @property
    def n_outputs(self):
        return self.dense_layers[-1].n_neurons

    @property
    def dtype(self):
        return self.dense_layers[0].weights.dtype

    @property
    def has_dropout(self):
        return any(isinstance(layer, Dropout) and layer.rate > 0 for layer in self.layers)

    def forward(self, X, *, training=True, rng=None):
        """``training``: Dropout layers drop (True) or pass everything through (False, for
        accuracy, test loss and pictures). ``rng``: the generator every Dropout layer draws its
        mask from in this pass, in layer order (default: each layer's own)."""
        X = self._checked(X)
        for layer in self.layers:
            X = layer.forward(X, training, rng=rng) if isinstance(layer, Dropout) else layer.forward(X)
        self.output = X
        return X

    def infer(self, X):
        """The output for X with dropout off, leaving every cached value of the last
        forward/backward alone (so a plot of the network does not disturb the gradients on display)."""
        X = self._checked(X)
        for layer in self.layers:
            if not isinstance(layer, Dropout):  # with training off, dropout is the identity
                X = copy.copy(layer).forward(X)  # shallow: shares the parameters, not the caches
        return X

    def _checked(self, X):
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"{self.dense_layers[0].name}: X must have shape (n_samples, {self.n_inputs}), "
                             f"got {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        return X

    def backward(self, output, y, *, input_gradient=True):
        """``input_gradient=False`` skips dL/dX of the first layer (not needed to train);
        ``dinputs`` is then None."""
        layers = self.layers
        if self.fused and isinstance(layers[-1], Softmax) and isinstance(self.loss, CategoricalCrossentropy):
            # d(CCE)/dz of softmax(z) is (softmax - onehot) / n: no division by p, no Jacobian. For every
            # sample, as in the book: where the printed loss clips p, this is still the gradient of the
            # unclipped -log p (the clip keeps the printed number finite; a confidently wrong sample
            # still has the most to learn).
            dvalues = output * (1.0 / len(output)) - self._scaled_one_hot(y, output.shape[1])
            layers[-1].dinputs = dvalues
            layers = layers[:-1]
        elif isinstance(layers[-1], Sigmoid) and isinstance(self.loss, BinaryCrossentropy):
            dvalues = self.loss.backward(output, y, complement=layers[-1].complement)
        else:
            dvalues = self.loss.backward(output, y)
        dvalues = dvalues.astype(self.dtype, copy=False)  # float64 labels must not promote a float32 net
        self.doutput = dvalues
        # Only parameter-free Features may come before the first Dense layer: without
        # input_gradient nothing below it needs a gradient.
        first = self.dense_layers[0]
        for layer in reversed(layers):
            if layer is first:
                dvalues = layer.backward(dvalues, input_gradient)
                if dvalues is None:
                    break
            else:
                dvalues = layer.backward(dvalues)
        self.dinputs = dvalues
        return dvalues

    def _scaled_one_hot(self, y, n_classes):
        """one_hot(y) / n, remembered for read-only labels (a trainer's frozen data),
        which cannot change under the cache."""
        cached = getattr(self, "_one_hot_cache", None)
        if cached is not None and cached[0] is y and not y.flags.writeable:
            return cached[1]
        value = one_hot(y, n_classes) * (1.0 / len(y))
        self._one_hot_cache = (y, value)
        return value

    def data_loss(self, output, y):
        """The mean data loss as the book prints it (probabilities clipped to [1e-7, 1 - 1e-7])."""
        return self.loss.calculate(output, y)

    def differentiated_loss(self, output, y):
        """The mean data loss whose exact gradient ``backward`` computes, after ``forward``: for
        softmax + cross-entropy the unclipped -log p, from the softmax's inputs through log-softmax
        (finite however small p is); otherwise the loss's ``differentiated_forward``. Equals
        ``data_loss`` wherever nothing is clipped. What a finite-difference check must differentiate."""
        last = self.layers[-1]
        if output is not last.output:
            raise ValueError("differentiated_loss needs the output of the last forward pass (it reads the "
                             "last layer's inputs)")
        if isinstance(last, Softmax) and isinstance(self.loss, CategoricalCrossentropy):
            z = last.inputs
            shifted = z - z.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            return -np.mean(np.sum(log_p * one_hot(y, z.shape[1]), axis=1))
        if isinstance(last, Sigmoid) and isinstance(self.loss, BinaryCrossentropy):
            # The sigmoid's own 1 - p, not a subtraction: past the clip the book's slope 1/q (q = 1e-7)
            # multiplies any rounding of 1 - p near p = 1 by 1e7.
            return np.mean(self.loss.differentiated_forward(output, y, complement=last.complement))
        return np.mean(self.loss.differentiated_forward(output, y))

    def clipped_samples(self, output, y):
        """How many samples' printed loss is clipped (their gradient is not: see ``differentiated_loss``)."""
        return int(np.count_nonzero(self.loss.clipped(output, y)))

    def _layer_walk(self, grads=True):
        """Per Dense layer, after ``forward`` and ``backward``: (activation, a, grad), where ``activation``
        is the layer after the Dense (the Dense itself if none follows), ``a`` its output (n_samples,
        n_neurons) and ``grad`` the gradient the next layer sends back, dL/da (n_samples, n_neurons);
        for the last layer dL/dz before its activation (for softmax with cross-entropy the fused
        (p − onehot)/n), because dL/dp of the clipped loss is not what flows. With ``grads`` False,
        after ``forward`` alone: grad None."""
        out = []
        for position, layer in enumerate(self.layers):
            if not isinstance(layer, Dense):
                continue
            after = position + 1
            activation = self.layers[after] if after < len(self.layers) and not isinstance(
                self.layers[after], Dense) else layer
            nxt = self.layers.index(activation) + 1
            if not grads:
                grad = None
            elif nxt < len(self.layers):
                grad = self.layers[nxt].dinputs             # dL/da: what the next layer sends back
            else:
                grad = activation.dinputs if activation is not layer else self.doutput  # dL/dz of the last layer
            out.append((activation, activation.output, grad))
        return out

    def neuron_summaries(self):
        """Per Dense layer, after ``forward`` and ``backward`` on a batch: (activity, gradient), each of
        shape (n_neurons,). ``activity``: mean |a_j| over the batch, a = the output of the layer's
        activation. ``gradient``: the batch's ‖dL/da_j‖ (over samples) for a hidden layer, the gradient
        the next layer sends back to it; for the last layer ‖dL/dz_j‖ (see ``layer_values``)."""
        return [(np.abs(a).mean(axis=0), np.linalg.norm(grad, axis=0)) for _, a, grad in self._layer_walk()]

    def neuron_states(self):
        """Per Dense layer, after ``forward`` on a batch: each neuron's state, shape (n_neurons,), of
        activations.WORKING, DEAD (a ReLU at 0 on every sample) or SATURATED (a sigmoid or tanh whose
        slope is below 1% of its largest on every sample); see ``activations.neuron_states``. The
        output layer is always WORKING: its gradient comes from the loss (a sigmoid output with
        cross-entropy cancels its slope), so a flat output there means confident, not stuck."""
        walk = self._layer_walk(grads=False)
        return [activation_states(activation) if k < len(walk) - 1 else np.zeros(a.shape[1], dtype=np.int64)
                for k, (activation, a, _) in enumerate(walk)]

    def layer_values(self):
        """Per Dense layer, after ``forward`` and ``backward`` on a batch: {"name", "activation" (its
        name), "a" (n_samples, n_neurons): the activation's output, "grad" (n_samples, n_neurons): dL/da
        the next layer sends back (dL/dz for the last layer, as ``neuron_summaries``), "state"
        (n_neurons,): as ``neuron_states``}. The arrays are the network's own caches: read, don't write."""
        return [{"name": dense.name, "activation": activation.name, "a": a, "grad": grad, "state": state}
                for dense, (activation, a, grad), state in zip(self.dense_layers, self._layer_walk(),
                                                                self.neuron_states())]

    def regularization_loss(self):
        return sum(layer.regularization_loss() for layer in self.dense_layers)

    def accuracy(self, output, y):
        """The loss's accuracy; for regression within the loss's ``precision`` (see MeanSquaredError)."""
        return self.loss.accuracy(output, y)

    def freeze(self, *names, frozen=True):
        """Set ``frozen`` on the named Dense layers (all of them if none is named)."""
        layers = {layer.name: layer for layer in self.dense_layers}
        unknown = [n for n in names if n not in layers]
        if unknown:
            raise ValueError(f"unknown layer(s) {unknown}; known: {list(layers)}")
        for name in names or layers:
            layers[name].frozen = bool(frozen)

    @property
    def frozen(self):
        """The names of the frozen Dense layers, as a frozenset."""
        return frozenset(layer.name for layer in self.dense_layers if layer.frozen)

    def predict(self, X):
        """Class labels (n,) for softmax, 0/1 (n, outputs) for sigmoid, values for regression."""
        output = self.infer(X)
        if isinstance(self.layers[-1], Softmax):
            return np.argmax(output, axis=1)
        if self.layers[-1].name == "sigmoid":
            return (output > 0.5).astype(np.int64)
        return output

    # Named access, for the app: "dense1.weights", "dense1.dbiases", ...
    def parameter_names(self):
        return [f"{layer.name}.{p}" for layer in self.dense_layers for p in ("weights", "biases")]

    def __getitem__(self, name):
        layer_name, _, attribute = name.partition(".")
        for layer in self.dense_layers:
            if layer.name == layer_name and attribute in ("weights", "biases", "dweights", "dbiases"):
                return getattr(layer, attribute)
        raise ValueError(f"unknown parameter {name!r}; known: {', '.join(self.parameter_names())} "
                         "and their gradients (d + name, e.g. 'dense1.dweights')")

    def get_parameters(self):
        return [(layer.weights.copy(), layer.biases.copy()) for layer in self.dense_layers]

    def set_parameters(self, parameters):
        layers = self.dense_layers
        if len(parameters) != len(layers):
            raise ValueError(f"expected parameters for {len(layers)} Dense layers, got {len(parameters)}")
        for layer, (weights, biases) in zip(layers, parameters):
            for attribute, value in (("weights", weights), ("biases", biases)):
                value = np.asarray(value, dtype=self.dtype)
                current = getattr(layer, attribute)
                if value.shape != current.shape:
                    raise ValueError(f"{layer.name}.{attribute}: expected shape {current.shape}, got {value.shape}")
                if not np.isfinite(value).all():
                    raise ValueError(f"{layer.name}.{attribute}: contains NaN or infinite values")
                current[...] = value

    def __repr__(self):
        return f"Network({self.layers!r}, {self.loss!r})"


def output_size(output, n_classes):
    """Neurons in the output layer: one for a sigmoid on two classes (P(class 1)), the book's
    binary head; otherwise one per class."""
    if output not in OUTPUT_LOSS:
        raise ValueError(f"unknown output {output!r}; choose one of {', '.join(OUTPUT_LOSS)}")
    return 1 if output == "sigmoid" else int(n_classes)


def mlp(n_inputs, hidden, n_outputs, *, output="softmax", seed=0, l1=0.0, l2=0.0, init="book", dropout=0.0,
        features=(), dtype=np.float64):
    """Build a multilayer perceptron.

    ``hidden``: a list of (n_neurons, activation name) pairs, 0 or more;
    ``output``: "softmax", "sigmoid" or "linear" (regression), which also picks the loss;
    weights drawn from ``numpy.random.default_rng(seed)`` layer by layer as ``init`` says:
    "book" (0.01 * standard normal), "book17" (0.1 * standard normal, the book's chapter 17), "zeros",
    "xavier" (Glorot normal) or "he" (He normal);
    ``l1``/``l2`` regularise every layer's weights and biases; ``dropout`` > 0 puts a
    Dropout(dropout) after each hidden activation (drawing from the same generator, after
    the weights, unless a Trainer gives it one). ``features``: names from nncore.features.FEATURES
    (e.g. ("x1sq", "x2sq")); a Features layer then turns the 2 inputs into 2 + k columns for the
    first Dense layer (in FEATURES' order, whatever the order given).
    """
    if output not in OUTPUT_LOSS:
        raise ValueError(f"unknown output {output!r}; choose one of {', '.join(OUTPUT_LOSS)}")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be at least 0 and below 1, got {dropout}")
    rng = np.random.default_rng(seed)
    hidden = list(hidden)
    layers, width = [], n_inputs
    if features:
        if n_inputs != Features.n_inputs:
            raise ValueError(f"input features are computed from (x1, x2): n_inputs must be 2, got {n_inputs}")
        layers.append(Features(features))
        width = layers[0].n_outputs
    for k, (n_neurons, activation) in enumerate(hidden + [(n_outputs, output)]):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        layers.append(Dense(width, n_neurons, rng=rng, init=init, dtype=dtype,
                            weight_regularizer_l1=l1, weight_regularizer_l2=l2,
                            bias_regularizer_l1=l1, bias_regularizer_l2=l2))
        layers.append(ACTIVATIONS[activation]())
        if dropout and k < len(hidden):
            layers.append(Dropout(dropout, rng=rng))
        width = n_neurons
    return Network(layers, LOSSES[OUTPUT_LOSS[output]]())


def probability_grid(network, x_range, y_range, resolution):
    """Class probabilities over a resolution x resolution grid of the (x1, x2) plane.

    Returns (resolution, resolution, classes), row 0 at y_range[0]; a one-output
    sigmoid network gives two columns, P(class 0) and P(class 1).
    """
    xs = np.linspace(*x_range, resolution)
    ys = np.linspace(*y_range, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    # In blocks of rows, so each layer's intermediate stays in cache (1.6x faster at 200x200).
    p = np.concatenate([network.infer(grid[k:k + 4096]) for k in range(0, len(grid), 4096)])
    if p.shape[1] == 1:
        p = np.concatenate([1 - p, p], axis=1)
    return p.reshape(resolution, resolution, -1)


def output_curve(network, x_range, resolution):
    """A one-input network's output over x = linspace(*x_range, resolution): returns (x (resolution,),
    outputs (resolution, n_outputs)). For regression, the fitted curve y(x)."""
    if network.n_inputs != 1:
        raise ValueError(f"output_curve needs a network of one input, not {network.n_inputs}")
    xs = np.linspace(*x_range, resolution)
    return xs, network.infer(xs.reshape(-1, 1))


def sample_input_gradients(network, X, y):
    """dL_s/dx_s for every sample s's own loss, shape (n_samples, n_inputs): the notes' dinputs
    (section 4) times n, since the mean loss gives each sample's gradient a factor 1/n. Works on
    shallow copies of the layers, so the network's cached forward and backward stay as they were
    (the gradients on display are untouched). Dropout is off: the picture of the function the
    network computes, not of one random mask."""
    scratch = copy.copy(network)
    scratch.layers = [copy.copy(layer) for layer in network.layers]
    scratch.backward(scratch.forward(X, training=False), np.asarray(y))
    return scratch.dinputs * len(X)


def weight_terms(network, layer_name, i, j):
    """The chain rule for one weight w_ij (input i -> neuron j) of Dense layer ``layer_name``,
    after a backward pass: dL/dw_ij = sum over samples s of x_si * dL/dz_sj (+ regularisation).

    Returns a dict of arrays over the batch — ``x`` (x_si), ``dz`` (dL/dz_sj), ``products`` —
    and floats ``data_gradient`` (their sum), ``regularization_gradient`` and ``dweight``
    (the layer's stored dweights[i, j], which equals the sum of the two).
    """
    position = next((p for p, layer in enumerate(network.layers) if getattr(layer, "name", None) == layer_name
                     and hasattr(layer, "weights")), None)
    if position is None:
        raise ValueError(f"unknown layer {layer_name!r}; known: {[d.name for d in network.dense_layers]}")
    layer = network.layers[position]
    if not (0 <= i < layer.n_inputs and 0 <= j < layer.n_neurons):
        raise ValueError(f"{layer_name}: weight ({i}, {j}) is outside weights {layer.weights.shape}")
    dz = network.layers[position + 1].dinputs[:, j] if position + 1 < len(network.layers) else network.doutput[:, j]
    x = layer.inputs[:, i]
    w = layer.weights[i, j]
    reg = layer.weight_regularizer_l1 * l1_sign(w) + 2 * layer.weight_regularizer_l2 * w
    products = x * dz
    return {"x": x, "dz": dz, "products": products, "data_gradient": float(products.sum()),
            "regularization_gradient": float(reg), "dweight": float(layer.dweights[i, j])}
