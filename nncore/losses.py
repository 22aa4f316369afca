"""Losses. ``calculate(output, y)`` is the mean data loss over samples (the notes'
``Loss.calculate``); ``backward(dvalues, y)`` sets ``dinputs`` = dL/doutput with the
1/n_samples of the mean already applied. ``accuracy(output, y)`` is the matching score.

The cross-entropies clip probabilities to [1e-7, 1 - 1e-7] in ``forward``, as the book
does, to keep the printed loss finite. Their ``backward`` is the book's and does not
zero the gradient where the loss clips: the clip is about printing, not a statement that
a confidently wrong sample has nothing to learn. ``differentiated_forward`` is the
per-sample loss that ``backward`` is the exact gradient of (what a finite-difference
check differentiates), and ``clipped`` says which samples the printed loss clips.
"""

import numpy as np

CLIP = 1e-7


class Loss:
    name = "loss"

    def calculate(self, output, y):
        return np.mean(self.forward(output, y))

    def differentiated_forward(self, y_pred, y_true):
        """Per-sample loss (n,) whose exact gradient ``backward`` returns; ``forward`` unless clipped."""
        return self.forward(y_pred, y_true)

    def clipped(self, y_pred, y_true):
        """Per-sample bool (n,): True where ``forward`` clips (nothing, unless overridden)."""
        return np.zeros(len(y_pred), dtype=bool)

    def init_accuracy(self, y, reinit=False):
        """Fix whatever the accuracy needs from the training targets (nothing, unless overridden)."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class CategoricalCrossentropy(Loss):
    """-log(predicted probability of the true class). ``y``: integer labels (n,)
    or one-hot (n, classes); ``output``: probabilities (n, classes)."""

    name = "categorical_crossentropy"

    def forward(self, y_pred, y_true):
        if y_true.ndim == 1:
            # Picking before clipping clips n values instead of n * classes: same result.
            return -np.log(np.clip(_true_class(y_pred, y_true), CLIP, 1 - CLIP))
        clipped = np.clip(y_pred, CLIP, 1 - CLIP)
        return -np.log(np.sum(clipped * check_onehot(y_true, y_pred.shape), axis=1))

    def backward(self, dvalues, y_true):
        # The book's -y/p on the unclipped p: the gradient of -log p, clipped or not.
        self.dinputs = -one_hot(y_true, dvalues.shape[1]) / dvalues / len(dvalues)
        return self.dinputs

    def differentiated_forward(self, y_pred, y_true):
        """-log p of the true class, unclipped (inf where p is 0)."""
        with np.errstate(divide="ignore"):
            return -np.log(_true_class(y_pred, y_true))

    def clipped(self, y_pred, y_true):
        p = _true_class(y_pred, y_true)
        return (p < CLIP) | (p > 1 - CLIP)

    def accuracy(self, output, y):
        labels = y if y.ndim == 1 else np.argmax(y, axis=1)
        return float(np.mean(np.argmax(output, axis=1) == labels))


class BinaryCrossentropy(Loss):
    """Mean over outputs of -(y log p + (1 - y) log(1 - p)). ``output``: sigmoid
    probabilities (n, outputs); ``y``: 0/1 labels (n,) or (n, outputs)."""

    name = "binary_crossentropy"

    def forward(self, y_pred, y_true):
        y_true = _as_targets(y_true, y_pred.shape, binary=True)
        p = np.clip(y_pred, CLIP, 1 - CLIP)
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p), axis=-1)

    def backward(self, dvalues, y_true, complement=None):
        """The book's: 1/p and 1/(1 - p) at the clipped p (finite), and no zeroing where clipped.
        ``complement``: 1 - dvalues from the sigmoid (``Sigmoid.complement``), so that 1 - p is the
        same number here as in the sigmoid's derivative and the two cancel as they should."""
        y_true = _as_targets(y_true, dvalues.shape, binary=True)
        p = np.clip(dvalues, CLIP, 1 - CLIP)
        # clip(1 - p) == 1 - clip(p): the book's value, without the subtraction's rounding near p = 1.
        one_minus_p = 1 - p if complement is None else np.clip(complement, CLIP, 1 - CLIP)
        self.dinputs = -(y_true / p - (1 - y_true) / one_minus_p) / dvalues.shape[1] / len(dvalues)
        return self.dinputs

    def differentiated_forward(self, y_pred, y_true, complement=None):
        """The loss that ``backward`` (the book's) is the gradient of: the clipped loss inside
        [1e-7, 1 - 1e-7] and, past the clip, continued along its tangent at the clip point
        (the book takes the slope at the clipped p there). ``complement``: 1 - y_pred, if known
        more precisely than the subtraction gives it."""
        y_true = _as_targets(y_true, y_pred.shape, binary=True)
        complement = 1 - y_pred if complement is None else complement
        per_output = y_true * _log_continued(y_pred) + (1 - y_true) * _log_continued(complement)
        return -np.mean(per_output, axis=-1)

    def clipped(self, y_pred, y_true):
        return np.any((y_pred < CLIP) | (y_pred > 1 - CLIP), axis=-1)

    def accuracy(self, output, y):
        return float(np.mean((output > 0.5) == _as_targets(y, output.shape, binary=True)))


class MeanSquaredError(Loss):
    """Mean over outputs of (y - prediction)**2. ``y``: (n,) or (n, outputs).

    Its accuracy is the book's for regression: the share of predictions within ``precision`` of
    the target. ``precision`` is fixed once from the training targets, std(y_train) / 250, by
    ``init_accuracy`` (the book's ``Accuracy_Regression.init``; a Trainer calls it), so every
    batch and the test set are judged by the same yardstick. Until then (None) each call uses
    std(y) / 250 of the targets it is given, as the book's chapter-17 script does on its full batch.
    """

    name = "mean_squared_error"

    def __init__(self, precision=None):
        self.precision = None if precision is None else float(precision)

    def init_accuracy(self, y, reinit=False):
        """Set ``precision`` = regression_precision(y), unless already set (``reinit``: set anyway)."""
        if self.precision is None or reinit:
            self.precision = regression_precision(y)

    def forward(self, y_pred, y_true):
        return np.mean((_as_targets(y_true, y_pred.shape) - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        y_true = _as_targets(y_true, dvalues.shape)
        self.dinputs = -2 * (y_true - dvalues) / dvalues.shape[1] / len(dvalues)
        return self.dinputs

    def accuracy(self, output, y):
        y = _as_targets(y, output.shape)
        precision = regression_precision(y) if self.precision is None else self.precision
        return float(np.mean(np.abs(output - y) < precision))


def regression_precision(y):
    """The book's tolerance for regression accuracy: std(y) / 250."""
    return float(np.std(y) / 250)


def _log_continued(p):
    """log(p) for p in [1e-7, 1 - 1e-7]; beyond, continued along its tangent at the nearer end."""
    q = np.clip(p, CLIP, 1 - CLIP)
    return np.log(q) + (p - q) / q


def _true_class(y_pred, y_true):
    """The predicted probability of each sample's true class, (n,)."""
    if y_true.ndim == 1:
        return y_pred[np.arange(len(y_pred)), check_labels(y_true, y_pred.shape[1])]
    return np.sum(y_pred * check_onehot(y_true, y_pred.shape), axis=1)


def one_hot(y, n_classes):
    """Integer labels (n,) -> one-hot (n, n_classes); one-hot input is returned checked."""
    if y.ndim == 1:
        eye = np.zeros((len(y), n_classes))
        eye[np.arange(len(y)), check_labels(y, n_classes)] = 1.0
        return eye
    return check_onehot(y, (len(y), n_classes))


def check_labels(y, n_classes):
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"labels must be whole numbers 0..{n_classes - 1}, got dtype {y.dtype}")
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels out of range: the output has {n_classes} classes (0..{n_classes - 1}), "
                         f"labels span {int(y.min())}..{int(y.max())}")
    return y


def check_onehot(y, shape):
    if y.shape != tuple(shape):
        raise ValueError(f"one-hot labels of shape {y.shape} do not match the output's shape {tuple(shape)}")
    return y


def _as_targets(y, shape, binary=False):
    """Targets reshaped to the output's (n, outputs), checked."""
    y = np.asarray(y)
    if y.ndim == 1 and shape[1] == 1:
        y = y.reshape(-1, 1)
    if y.shape != tuple(shape):
        raise ValueError(f"targets of shape {y.shape} do not match the output's shape {tuple(shape)}")
    if binary and y.size and not np.all((y == 0) | (y == 1)):
        raise ValueError("binary cross-entropy needs 0/1 labels")
    return y


LOSSES = {cls.name: cls for cls in (CategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError)}
