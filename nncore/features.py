"""Input features, as TensorFlow Playground offers them: the plane's (x1, x2) and, chosen by name,
x1², x2², x1·x2, sin x1 and sin x2, computed by a layer without parameters in front of the first
Dense layer. The network's input stays the raw point, so everything that works on (x1, x2)
(the boundary grid, the input-gradient arrows, gradcheck) works unchanged with features on.
"""

import numpy as np

# name (link-safe) -> (label, value, (d value / d x1, d value / d x2)), in the canonical column order.
# Each derivative is written next to the value it belongs to; it takes (x1, x2) columns as the value does.
FEATURES = {
    "x1sq": ("x1²", lambda a, b: a * a, (lambda a, b: 2 * a, None)),
    "x2sq": ("x2²", lambda a, b: b * b, (None, lambda a, b: 2 * b)),
    "x1x2": ("x1·x2", lambda a, b: a * b, (lambda a, b: b, lambda a, b: a)),
    "sinx1": ("sin x1", lambda a, b: np.sin(a), (lambda a, b: np.cos(a), None)),
    "sinx2": ("sin x2", lambda a, b: np.sin(b), (None, lambda a, b: np.cos(b))),
}
RAW = ("x1", "x2")  # the two columns every network sees first


def canonical(names):
    """``names`` as a tuple in FEATURES' order; raises ValueError naming an unknown or repeated name."""
    names = tuple(names)
    unknown = [str(n) or '""' for n in names if n not in FEATURES]  # an empty name shows as ""
    if unknown:
        raise ValueError(f"unknown feature {', '.join(unknown)}; choose from {', '.join(FEATURES)}")
    repeated = [n for n in FEATURES if names.count(n) > 1]
    if repeated:
        raise ValueError(f"{', '.join(repeated)} named more than once")
    return tuple(n for n in FEATURES if n in names)


def labels(names):
    """The display labels of every column: ("x1", "x2", then the features' labels)."""
    return RAW + tuple(FEATURES[n][0] for n in canonical(names))


class Features:
    """Maps X (n, 2) to (n, 2 + k): [x1, x2, the chosen features in FEATURES' order].

    No parameters. ``backward`` sends dL/d(column) back to (x1, x2) through each feature's local
    derivative: dL/dx1 = dL/d(x1 column) + sum over features f of dL/df * df/dx1, likewise x2.
    """

    name = "features"
    n_inputs = 2

    def __init__(self, names):
        self.names = canonical(names)
        self.labels = labels(self.names)
        self.n_outputs = len(self.labels)
        self._kept = ()  # ((inputs, output), ...) of the last read-only inputs, newest first

    def forward(self, inputs):
        if inputs.ndim != 2 or inputs.shape[1] != 2:
            raise ValueError(f"features: expects inputs of shape (n_samples, 2), got {inputs.shape}")
        self.inputs = inputs
        # A trainer's training and test sets are read-only arrays that own their data, passed every
        # iteration (full batch): their columns cannot have changed (a read-only view of a writable
        # array can, so views are never kept), and computing sin of every point each time would cost
        # a quarter of a step. Two are kept, as a step alternates between the two sets.
        for seen, output in self._kept:
            if seen is inputs:
                self.output = output
                return output
        a, b = inputs[:, 0], inputs[:, 1]
        out = np.empty((len(inputs), self.n_outputs), dtype=inputs.dtype)
        out[:, :2] = inputs
        for k, name in enumerate(self.names):
            out[:, 2 + k] = FEATURES[name][1](a, b)
        if not inputs.flags.writeable and inputs.flags.owndata:
            out.setflags(write=False)  # shared by every pass over these inputs
            self._kept = ((inputs, out),) + self._kept[:1]
        self.output = out
        return out

    def backward(self, dvalues):
        a, b = self.inputs[:, 0], self.inputs[:, 1]
        dinputs = np.array(dvalues[:, :2])
        for k, name in enumerate(self.names):
            for axis, derivative in enumerate(FEATURES[name][2]):
                if derivative is not None:
                    dinputs[:, axis] += dvalues[:, 2 + k] * derivative(a, b)
        self.dinputs = dinputs
        return dinputs

    def __repr__(self):
        return f"Features({self.names!r})"
