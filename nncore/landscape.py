"""Loss landscapes: the loss over a plane of parameter space, and a path projected on it.

A *direction* has the network's parameter layout: a list with one (weights, biases) pair per
Dense layer, shaped (n_inputs, n_neurons) and (1, n_neurons) as ``Network.get_parameters()``.
The plane through parameters theta spanned by directions d1, d2 is theta + a * d1 + b * d2;
(a, b) = (0, 0) is theta itself.

For a network, the random directions are *filter-normalised* as in Li et al. 2018,
"Visualizing the Loss Landscape of Neural Nets": a Gaussian direction whose every neuron's
slice (its column of incoming weights and its bias) is rescaled to the norm of the same slice
of theta, so that a = 1 moves every neuron by as much as its own size, whatever its scale.

The loss shown is the *data* loss, as the trainer's history prints it (``Network.data_loss``:
cross-entropy with the book's clip), without the L1/L2 penalty: so the landscape at (0, 0) is
the loss on screen.

For the notes' single neuron (``lessons.single_neuron``), ``neuron_loss_grid`` gives the loss
over two of its four parameters, the other two held.
"""

import copy

import numpy as np

NEURON_PARAMETERS = ("w0", "w1", "w2", "b")


# -- directions --------------------------------------------------------------------------------
def filter_normalized_directions(network, rng):
    """One random direction for ``network``, filter-normalised (Li et al. 2018): for each Dense
    layer, W' ~ N(0, 1) (n_inputs, n_neurons) and b' ~ N(0, 1) (1, n_neurons); then neuron j's
    slice (W'[:, j], b'[0, j]) is scaled to the norm of (W[:, j], b[0, j]) at the network's
    current parameters (a neuron that is all zeros gets a zero slice). ``rng``: a
    numpy.random.Generator; two calls on one generator give the plane's two directions."""
    direction = []
    for weights, biases in network.get_parameters():
        dw, db = rng.standard_normal(weights.shape), rng.standard_normal(biases.shape)
        target = np.sqrt((weights**2).sum(axis=0) + biases[0] ** 2)   # (n_neurons,)
        drawn = np.sqrt((dw**2).sum(axis=0) + db[0] ** 2)
        scale = target / drawn
        direction.append((dw * scale, db * scale))
    return direction


def coordinate_direction(network, name, index):
    """The unit direction along one parameter: 1 at ``network[name][index]`` (``name`` e.g.
    "dense1.weights" with index (i, j), or "dense1.biases" with index (0, j)), 0 elsewhere.
    On a plane of two of these, (a, b) are those two parameters' changes, in their own units."""
    target = network[name]
    if len(index) != target.ndim or not all(0 <= k < n for k, n in zip(index, target.shape)):
        raise ValueError(f"{name}: index {tuple(index)} is outside its shape {target.shape}")
    direction = [(np.zeros_like(w), np.zeros_like(b)) for w, b in network.get_parameters()]
    layer = [d.name for d in network.dense_layers].index(name.partition(".")[0])
    direction[layer][0 if name.endswith(".weights") else 1][tuple(index)] = 1.0
    return direction


def flat(parameters):
    """A direction or parameter list as one vector (P,), layer by layer, weights then biases."""
    return np.concatenate([a.ravel() for pair in parameters for a in pair])


# -- the plane --------------------------------------------------------------------------------
def plane_losses(network, X, y, d1, d2, alphas, betas):
    """loss[i, j] (len(betas), len(alphas)): the data loss on (X, y) at theta + alphas[j] * d1 +
    betas[i] * d2 (row i is b = betas[i], as a contour plot's z), theta the network's current
    parameters. Each point is a forward pass of a copy of the network, so the network itself is
    untouched and the point (0, 0) gives exactly the loss the trainer records there (with dropout,
    which the surface leaves off, the loss without it)."""
    scratch = copy.deepcopy(network)
    theta = network.get_parameters()
    out = np.empty((len(betas), len(alphas)))
    for i, b in enumerate(betas):
        for j, a in enumerate(alphas):
            for layer, (w, bias), (w1, b1), (w2, b2) in zip(scratch.dense_layers, theta, d1, d2):
                layer.weights = w + a * w1 + b * w2
                layer.biases = bias + a * b1 + b * b2
            out[i, j] = scratch.data_loss(scratch.forward(X, training=False), y)  # one surface: no masks
    return out


def plane_grid(network, X, y, d1, d2, span=1.0, n=41):
    """(alphas (n,), betas (n,), loss (n, n)) on the square [-span, span]^2 of the plane through
    the network's parameters; ``plane_losses`` says which loss. An odd ``n`` puts (0, 0) on the grid."""
    if n < 2 or span <= 0:
        raise ValueError(f"a grid needs n >= 2 points and span > 0, got n={n}, span={span}")
    axis = np.linspace(-span, span, n)
    return axis, axis.copy(), plane_losses(network, X, y, d1, d2, axis, axis)


def project(path, origin, d1, d2):
    """Coordinates (len(path), 2) of parameter sets on the plane: for each theta_k the (a, b)
    minimising ||theta_k - origin - a d1 - b d2|| (least squares). The directions are not
    orthogonal in general, so this is not two dot products; a point off the plane lands on its
    nearest point in it (its loss is that of theta_k, not of the plane's point)."""
    basis = np.stack([flat(d1), flat(d2)], axis=1)                   # (P, 2)
    offsets = np.stack([flat(p) - flat(origin) for p in path], axis=1)  # (P, len(path))
    coords, *_ = np.linalg.lstsq(basis, offsets, rcond=None)
    return coords.T


# -- the notes' single neuron -------------------------------------------------------------------
def neuron_values(record):
    """{"w0", "w1", "w2", "b"}: one iteration's parameters (a record of ``lessons.single_neuron``)."""
    return {**{f"w{i}": float(record["weights"][i]) for i in range(3)}, "b": float(record["bias"])}


def neuron_coefficients(record):
    """d(sum)/d(parameter) of sum = x . w + b: x_i for w_i, 1 for b."""
    return {**{f"w{i}": float(record["inputs"][i]) for i in range(3)}, "b": 1.0}


def neuron_path(records, pair):
    """(k (len(records), 2), losses (len(records),)): the two parameters of ``pair`` at every
    iteration of the lesson (the state after n updates), and the loss printed there."""
    values = [neuron_values(r) for r in records]
    return np.array([[v[pair[0]], v[pair[1]]] for v in values]), np.array([r["loss"] for r in records])


def neuron_loss_grid(records, current, pair=("w0", "b"), n=41, margin=0.15):
    """The lesson's loss L = ReLU(x . w + b)^2 over two of its parameters, the other two held at
    iteration ``current``'s values (``records[current]``: the state after ``current`` updates).

    ``records``: ``lessons.single_neuron(...).records``; ``pair``: two of "w0", "w1", "w2", "b".
    The square box covers the whole path of ``records`` with ``margin`` on each side, and the grid
    is laid so that the current point is one of its nodes. Returns a dict: ``p``, ``q`` (n,) the
    two parameters' grid values; ``loss`` (n, n), row i at q[i] (a contour's z); ``at`` (row,
    column) of the current point; ``point`` (2,) its values; ``gradient`` (2,) dL/d(pair) there
    (the record's, by the chain rule). Each grid value is the current iteration's sum moved by
    x_i * dw_i (or db): exact algebra, so the current node is the printed loss, bit for bit.
    """
    pair = tuple(pair)
    if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(NEURON_PARAMETERS):
        raise ValueError(f"pick two different parameters of {', '.join(NEURON_PARAMETERS)}, got {pair}")
    if not 0 <= current < len(records):
        raise ValueError(f"current must be an iteration 0..{len(records) - 1}, got {current}")
    record = records[current]
    path, _ = neuron_path(records, pair)
    point = np.array([neuron_values(record)[name] for name in pair])
    lo, hi = np.minimum(path.min(axis=0), point), np.maximum(path.max(axis=0), point)
    half = max(float((hi - lo).max()) / 2 * (1 + 2 * margin), 0.05)   # the same width on both axes
    middle = (lo + hi) / 2
    step = 2 * half / (n - 1)
    at = np.clip(np.round((point - (middle - half)) / step).astype(int), 0, n - 1)
    p, q = (point[k] + step * (np.arange(n) - at[k]) for k in range(2))
    coef = neuron_coefficients(record)
    linear = record["sum"] + coef[pair[0]] * (p[None, :] - point[0]) + coef[pair[1]] * (q[:, None] - point[1])
    loss = np.maximum(linear, 0.0) ** 2
    gradient = np.array([record["dweights"][int(name[1])] if name != "b" else record["dbias"] for name in pair])
    return {"p": p, "q": q, "loss": loss, "at": (int(at[1]), int(at[0])), "point": point, "gradient": gradient}


def grid_side(network, n_samples, budget=2e9, largest=41, smallest=11):
    """The odd number of points per side of a landscape whose forward passes cost about ``budget``
    multiply-adds in all (n_samples times the network's weights each), between ``smallest`` and
    ``largest``: 41 for the book's 2-64-3 network on 300 points, 11 for four layers of 128 on 2,000."""
    per_point = n_samples * sum(layer.weights.size for layer in network.dense_layers)
    side = int((budget / max(per_point, 1)) ** 0.5)
    side -= 1 - side % 2
    return max(smallest, min(largest, side))
