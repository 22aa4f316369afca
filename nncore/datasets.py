"""Toy datasets, each a pure function of its arguments. The classification ones return float64
X (n, 2) and int64 labels (n,); the 1-D regression ones (``REGRESSION``) float64 X (n, 1) and
targets y (n, 1).

spiral and vertical come from nnfs (the notes' source of truth). nnfs draws from
NumPy's global random state, so the seed-and-draw happens under one process-wide
lock and the previous global state is put back: Streamlit serves every browser
session from its own thread of one process. nnfs's init is never called: it
patches NumPy for the whole process.
"""

import threading

import numpy as np
from nnfs.datasets import spiral_data, vertical_data

_GLOBAL_RNG_LOCK = threading.Lock()
MAX_SAMPLES = 5000


def _check(samples, classes, noise, lo=2, hi=5):
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples per class must be 1..{MAX_SAMPLES}, got {samples}")
    if not lo <= classes <= hi:
        raise ValueError(f"classes must be {lo}..{hi} for this dataset, got {classes}")
    if not (np.isfinite(noise) and 0 <= noise <= 5):
        raise ValueError(f"noise must be between 0 and 5, got {noise}")


def _from_nnfs(create, samples, classes, noise, seed):
    with _GLOBAL_RNG_LOCK:
        saved = np.random.get_state()
        try:
            np.random.seed(seed)
            X, y = create(samples, classes)
        finally:
            np.random.set_state(saved)
    X = X.astype(np.float64)
    if noise:
        X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return X, y.astype(np.int64)


def spiral(samples=100, classes=3, noise=0.0, seed=0):
    """nnfs.datasets.spiral_data (its own angular noise 0.2), plus optional Gaussian ``noise``."""
    _check(samples, classes, noise)
    return _from_nnfs(spiral_data, samples, classes, noise, seed)


def vertical(samples=100, classes=3, noise=0.0, seed=0):
    """nnfs.datasets.vertical_data (vertical bands), plus optional Gaussian ``noise``."""
    _check(samples, classes, noise)
    return _from_nnfs(vertical_data, samples, classes, noise, seed)


def circles(samples=100, classes=2, noise=0.1, seed=0):
    """Concentric rings, one per class, radii evenly spaced in (0, 1]."""
    _check(samples, classes, noise)
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, (classes, samples))
    radius = (np.arange(1, classes + 1) / classes)[:, None] + noise * rng.standard_normal((classes, samples))
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1).reshape(-1, 2)
    return X, np.repeat(np.arange(classes), samples)


def moons(samples=100, classes=2, noise=0.1, seed=0):
    """Two interleaving half circles."""
    _check(samples, classes, noise, 2, 2)
    rng = np.random.default_rng(seed)
    t = np.linspace(0, np.pi, samples)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    X = np.concatenate([upper, lower]) - [0.5, 0.25]
    X = X + noise * rng.standard_normal(X.shape)
    return X, np.repeat([0, 1], samples)


def xor(samples=100, classes=2, noise=0.1, seed=0):
    """Four Gaussian clusters at (+-0.5, +-0.5); label 1 where the signs differ."""
    _check(samples, classes, noise, 2, 2)
    rng = np.random.default_rng(seed)
    s = rng.choice([-1.0, 1.0], size=(2, samples))
    corners = np.concatenate([np.c_[s[0], s[0]], np.c_[s[1], -s[1]]])  # class 0: same signs; 1: opposite
    X = 0.5 * corners + noise * rng.standard_normal((2 * samples, 2))
    return X, np.repeat([0, 1], samples)


def blobs(samples=100, classes=3, noise=0.2, seed=0):
    """Gaussian blobs with centres evenly spaced on a circle of radius 0.7."""
    _check(samples, classes, noise)
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = 0.7 * np.c_[np.cos(angles), np.sin(angles)]
    X = np.repeat(centres, samples, axis=0) + noise * rng.standard_normal((classes * samples, 2))
    return X, np.repeat(np.arange(classes), samples)


def _check_regression(samples, noise):
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be 1..{MAX_SAMPLES}, got {samples}")
    if not (np.isfinite(noise) and 0 <= noise <= 5):
        raise ValueError(f"noise must be between 0 and 5, got {noise}")


def sine(samples=200, noise=0.0, seed=0):
    """Regression: x in [0, 1), target sin(2 pi x) (nnfs's sine data) plus optional noise. X (n, 1), y (n, 1)."""
    _check_regression(samples, noise)
    X = np.arange(samples).reshape(-1, 1) / samples
    y = np.sin(2 * np.pi * X) + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return X, y


def absolute(samples=200, noise=0.0, seed=0):
    """Regression: x evenly spaced in [-1, 1), target |x| plus optional noise. X (n, 1), y (n, 1).
    Two ReLU neurons, relu(x) + relu(-x), fit it exactly: the kink is where a ReLU switches on."""
    _check_regression(samples, noise)
    X = 2 * np.arange(samples).reshape(-1, 1) / samples - 1
    y = np.abs(X) + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return X, y


CLASSIFICATION = {"spiral": spiral, "vertical": vertical, "circles": circles, "moons": moons,
                  "xor": xor, "blobs": blobs}
# Classes each dataset allows (inclusive).
CLASS_RANGE = {"spiral": (2, 5), "vertical": (2, 5), "circles": (2, 5), "moons": (2, 2),
               "xor": (2, 2), "blobs": (2, 5)}
# 1-D regression datasets: (samples, noise, seed) -> X (n, 1), y (n, 1).
REGRESSION = {"sine": sine, "abs": absolute}


def call(name, samples, classes, noise, seed):
    """(function, arguments) that make the named dataset: a classification one takes ``classes``, a
    regression one does not. One place for the choice, for the app and for the scripts it writes."""
    if name in REGRESSION:
        return REGRESSION[name], (samples, noise, seed)
    if name in CLASSIFICATION:
        return CLASSIFICATION[name], (samples, classes, noise, seed)
    raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join([*CLASSIFICATION, *REGRESSION])}")


def train_test_split(X, y, test_fraction, seed):
    """Shuffle with ``seed`` and split; test_fraction in [0, 0.9]. Returns X_train, y_train, X_test, y_test."""
    if not 0 <= test_fraction <= 0.9:
        raise ValueError(f"test fraction must be between 0 and 0.9, got {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def from_csv(data):
    """Your own data: CSV text (or UTF-8 bytes) with a header ``x1,x2,label``. Labels may be
    any whole numbers; they are renumbered 0..k-1 in sorted order (2 <= k <= 5). Returns X
    (n, 2) float64 and y (n,) int64; raises a ValueError naming the line and column of the
    first problem. How large a file to accept is the caller's policy."""
    import csv
    import io

    raw = data if isinstance(data, bytes) else str(data).encode("utf-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"the file is not UTF-8 text (byte {err.start} cannot be read)") from None
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ValueError("the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("x1", "x2", "label") if c not in header]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}: the first line must name x1, x2 and label "
                         f"(found {', '.join(header[:6]) or 'nothing'})")
    body = rows[1:]
    cols = [header.index(c) for c in ("x1", "x2", "label")]
    X, labels = np.empty((len(body), 2)), []
    for line, row in enumerate(body, start=2):
        try:
            x1, x2, label = (row[c].strip() for c in cols)
        except IndexError:
            raise ValueError(f"line {line}: expected 3 values, got {len(row)}") from None
        for name, cell in (("x1", x1), ("x2", x2)):
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(f"line {line}, column {name}: {cell[:20]!r} is not a number") from None
            if not np.isfinite(value) or abs(value) > 1e6:
                raise ValueError(f"line {line}, column {name}: {cell[:20]!r} is not a finite number up to 1e6")
            X[line - 2, 0 if name == "x1" else 1] = value
        try:
            number = float(label)
        except ValueError:
            raise ValueError(f"line {line}, column label: {label[:20]!r} is not a whole number") from None
        if not (np.isfinite(number) and number == int(number)):
            raise ValueError(f"line {line}, column label: {label[:20]!r} is not a whole number")
        labels.append(int(number))
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"only one class ({classes[0] if classes else 'none'}): a classifier needs 2 to 5")
    if len(classes) > 5:
        raise ValueError(f"{len(classes)} classes; at most 5 are supported")
    index = {c: k for k, c in enumerate(classes)}
    return X, np.array([index[c] for c in labels], dtype=np.int64)
