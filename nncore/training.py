"""Training with a rewindable history.

Iteration n is the state after n updates. The trainer always holds the parameters
of the current iteration *and* the gradients at those parameters on the batch the
next update will use, so a page can show a gradient before it is applied:
``step()`` = optimizer update, then forward and backward for the new iteration.

Any past iteration is rebuilt, bit for bit, from the nearest checkpoint (parameters
and optimizer state, taken every ``checkpoint_every`` iterations) by replaying the
updates in between, with the optimizer settings in force at each (changes are kept in
a short list of their own). Batches need no stored random state: the shuffle of epoch
e is drawn from default_rng([seed, e]).
"""

import copy
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .gradcheck import gradient_name

COLUMNS = ("loss", "regularization_loss", "accuracy", "test_loss", "test_accuracy", "learning_rate")


class DivergenceError(ArithmeticError):
    """An update made the loss or a parameter NaN or infinite. The trainer has been put
    back at ``last_good`` (the iteration before), so nothing is lost."""

    def __init__(self, iteration, loss):
        self.iteration, self.last_good, self.loss = iteration, iteration - 1, loss
        what = (f"the loss became {loss}" if not np.isfinite(loss)
                else f"a weight or bias became NaN or infinite (loss {loss:.6g})")
        super().__init__(f"training diverged at iteration {iteration}: {what}. Iteration {iteration - 1} "
                         "is the last good state; try a smaller learning rate.")


@dataclass
class Checkpoint:
    iteration: int
    parameters: list
    optimizer: dict

    @cached_property  # the arrays never change: counted once, summed often
    def nbytes(self):
        arrays = [a for pair in self.parameters for a in pair]
        arrays += [a for s in self.optimizer["state"] for a in s.values()]
        return sum(a.nbytes for a in arrays)


@dataclass
class Snapshot:
    """Everything about one iteration, independent of the trainer (copies).

    ``network`` holds that iteration's parameters and, after a forward and backward
    pass on ``batch`` (indices into the training set), its gradients and every
    layer's inputs and outputs. ``record``: that iteration's row of the history.
    """

    iteration: int
    network: object
    batch: np.ndarray
    record: dict = field(default_factory=dict)


class Trainer:
    """Train ``network`` with ``optimizer`` on (X, y); optionally score (X_test, y_test).

    ``batch_size`` None (or >= n samples) is full batch. The history has one row per
    iteration 0..n: the loss, accuracy and regularisation loss on the batch at that
    iteration's parameters, the test loss and accuracy, the learning rate the next
    update uses, and the norm of every Dense layer's dweights.
    """

    def __init__(self, network, optimizer, X, y, *, X_test=None, y_test=None, batch_size=None, seed=0,
                 checkpoint_every=25, max_checkpoint_bytes=8_000_000):
        self.network, self.optimizer = network, optimizer
        self.X, self.y = _frozen(X), _frozen(y)
        if len(self.X) != len(self.y):
            raise ValueError(f"X has {len(self.X)} samples but y has {len(self.y)}")
        if len(self.X) == 0:
            raise ValueError("the training set is empty")
        has_test = X_test is not None and len(X_test) > 0
        self.X_test = _frozen(X_test) if has_test else None
        self.y_test = _frozen(y_test) if has_test else None
        n = len(self.X)
        self.batch_size = n if batch_size is None else max(1, min(int(batch_size), n))
        self.seed = int(seed)
        self.checkpoint_every = int(checkpoint_every)
        self.max_checkpoint_bytes = int(max_checkpoint_bytes)
        self.layer_names = [layer.name for layer in network.dense_layers]
        self.columns = COLUMNS + tuple(f"grad_norm.{name}" for name in self.layer_names)
        self._rows = np.empty((64, len(self.columns)))
        self._epoch_cache = (None, None)
        self.iteration = 0
        self._evaluate(self.network, self.optimizer, 0, record=True)  # validates X and y
        self._checkpoints = [self._checkpoint()]
        self._settings = [(0, optimizer.get_hyperparameters())]  # (from iteration, settings), oldest first

    # -- the batch schedule -------------------------------------------------------
    def batch_indices(self, iteration):
        """Indices of the training samples used at ``iteration`` (a slice for full batch)."""
        n, size = len(self.X), self.batch_size
        if size >= n:
            return slice(None)
        per_epoch = -(-n // size)
        epoch, b = divmod(iteration, per_epoch)
        if self._epoch_cache[0] != epoch:
            self._epoch_cache = (epoch, np.random.default_rng([self.seed, epoch]).permutation(n))
        return self._epoch_cache[1][b * size:(b + 1) * size]

    # -- training -----------------------------------------------------------------
    def step(self, n=1):
        """Run ``n`` updates. Raises DivergenceError (after rolling back) if one diverges."""
        with np.errstate(all="ignore"):  # divergence is reported below, not as warnings
            for _ in range(int(n)):
                self.optimizer.step(self.network)
                self.iteration += 1
                loss = self._evaluate(self.network, self.optimizer, self.iteration, record=True)
                if not np.isfinite(loss + sum(layer.weights.sum() + layer.biases.sum()
                                              for layer in self.network.dense_layers)):
                    bad = self.iteration
                    self.rewind(bad - 1)
                    raise DivergenceError(bad, loss)
                if self.iteration % self.checkpoint_every == 0:
                    self._checkpoints.append(self._checkpoint())
                    self._thin()
        return self.iteration

    def set_hyperparameters(self, **values):
        """Change optimizer settings from the current iteration on; the past is unchanged."""
        unknown = set(values) - set(self.optimizer.hyperparameters)
        if unknown:
            raise ValueError(f"{type(self.optimizer).__name__} has no setting(s) {sorted(unknown)}; "
                             f"it has {list(self.optimizer.hyperparameters)}")
        for key, value in values.items():
            value = float(value)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{key} must be a finite number >= 0, got {value}")
            setattr(self.optimizer, key, value)
        self._settings = [s for s in self._settings if s[0] < self.iteration]
        self._settings.append((self.iteration, self.optimizer.get_hyperparameters()))
        self._rows[self.iteration, COLUMNS.index("learning_rate")] = self.optimizer.current_learning_rate

    def rewind(self, iteration):
        """Make ``iteration`` the current one and drop every later iteration (a new branch)."""
        iteration = self._checked(iteration)
        self._checkpoints = [c for c in self._checkpoints if c.iteration <= iteration]
        self._settings = [s for s in self._settings if s[0] <= iteration]
        self._load(self.network, self.optimizer, iteration)
        self.iteration = iteration

    # -- looking at the past --------------------------------------------------------
    def snapshot(self, iteration=None):
        """A Snapshot of ``iteration`` (default: the current one); the trainer is unchanged."""
        iteration = self.iteration if iteration is None else self._checked(iteration)
        network = copy.deepcopy(self.network)
        if iteration != self.iteration:
            self._load(network, copy.deepcopy(self.optimizer), iteration)
        return Snapshot(iteration, network, np.arange(len(self.X))[self.batch_indices(iteration)],
                        self.record(iteration))

    def record(self, iteration=None):
        """{column: value} of one iteration's history row (default: the current one)."""
        iteration = self.iteration if iteration is None else self._checked(iteration)
        return {c: float(v) for c, v in zip(self.columns, self._rows[iteration])}

    def history(self):
        """{column: array over iterations 0..current} (views; copy before changing)."""
        rows = self._rows[: self.iteration + 1]
        return {c: rows[:, i] for i, c in enumerate(self.columns)}

    def parameter_trace(self, name, index, max_points=150):
        """(iterations, values, gradients) of one parameter element, sampled at (at most
        ``max_points`` of) the checkpoints and the current iteration: enough to plot its course
        without replaying every step."""
        its, values, grads = [], [], []
        scratch, opt = copy.deepcopy(self.network), copy.deepcopy(self.optimizer)
        points = sorted({c.iteration for c in self._checkpoints} | {self.iteration})
        if len(points) > max_points:  # evenly, for a plot; each point costs a forward and backward pass
            points = sorted({points[k] for k in np.linspace(0, len(points) - 1, max_points).astype(int)})
        for it in points:
            self._load(scratch, opt, it)
            its.append(it)
            values.append(float(scratch[name][index]))
            grads.append(float(scratch[gradient_name(name)][index]))
        return np.array(its), np.array(values), np.array(grads)

    def schedule(self):
        """[(iteration, optimizer settings in force from it on)], oldest first: enough,
        with the config, to rebuild this exact run elsewhere."""
        return [(it, dict(settings)) for it, settings in self._settings]

    @property
    def nbytes(self):
        """Memory held by the history: checkpoints plus per-iteration rows."""
        return sum(c.nbytes for c in self._checkpoints) + self._rows[: self.iteration + 1].nbytes

    # -- internals -------------------------------------------------------------------
    def _evaluate(self, network, optimizer, iteration, *, record):
        """Forward and backward at the network's parameters on ``iteration``'s batch."""
        idx = self.batch_indices(iteration)
        # Full batch: the frozen arrays themselves, so per-label caches (one-hot) stay valid.
        Xb, yb = (self.X, self.y) if isinstance(idx, slice) else (self.X[idx], self.y[idx])
        test_loss = test_acc = np.nan
        if record and self.X_test is not None:
            out = network.forward(self.X_test)
            test_loss, test_acc = network.data_loss(out, self.y_test), network.accuracy(out, self.y_test)
        output = network.forward(Xb)
        loss = network.data_loss(output, yb)
        network.backward(output, yb, input_gradient=False)
        if record:
            if iteration >= len(self._rows):
                self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
            reg = network.regularization_loss()
            self._rows[iteration] = (loss, reg, network.accuracy(output, yb), test_loss, test_acc,
                                     optimizer.current_learning_rate,
                                     *(np.linalg.norm(layer.dweights) for layer in network.dense_layers))
            return loss + reg
        return loss

    def _load(self, network, optimizer, iteration):
        """Put ``network``/``optimizer`` at ``iteration``: nearest checkpoint, then replay."""
        start = max((c for c in self._checkpoints if c.iteration <= iteration), key=lambda c: c.iteration)
        network.set_parameters(start.parameters)
        optimizer.set_state(start.optimizer)
        changes = dict(self._settings)
        _apply(optimizer, [s for it, s in self._settings if it <= start.iteration][-1])
        self._evaluate(network, optimizer, start.iteration, record=False)
        for it in range(start.iteration, iteration):
            if it in changes:
                _apply(optimizer, changes[it])
            optimizer.step(network)
            self._evaluate(network, optimizer, it + 1, record=False)

    def _checkpoint(self):
        return Checkpoint(self.iteration, self.network.get_parameters(), self.optimizer.get_state())

    def _thin(self):
        """Over the memory budget: keep every other checkpoint (always iteration 0 and the newest)
        and double the spacing, until it fits or nothing more can go."""
        while sum(c.nbytes for c in self._checkpoints) > self.max_checkpoint_bytes:
            self.checkpoint_every *= 2
            kept = [c for c in self._checkpoints
                    if c.iteration % self.checkpoint_every == 0 or c.iteration == self.iteration]
            if len(kept) == len(self._checkpoints):
                break
            self._checkpoints = kept

    def _checked(self, iteration):
        iteration = int(iteration)
        if not 0 <= iteration <= self.iteration:
            raise ValueError(f"iteration must be between 0 and {self.iteration}, got {iteration}")
        return iteration


def _apply(optimizer, settings):
    for key, value in settings.items():
        setattr(optimizer, key, value)


def _frozen(a):
    a = np.array(a)  # a private copy: the history must not change under us
    a.setflags(write=False)
    return a
