"""Training with a rewindable history.

Iteration n is the state after n updates. The trainer always holds the parameters
of the current iteration *and* the gradients at those parameters on the batch the
next update will use, so a page can show a gradient before it is applied:
``step()`` = optimizer update, then forward and backward for the new iteration.

Any past iteration is rebuilt, bit for bit, from the nearest checkpoint (parameters
and optimizer state, taken every ``checkpoint_every`` iterations) by replaying the
updates in between, with the optimizer settings and frozen layers in force at each
(changes are kept in short lists of their own). Batches and dropout masks need no stored
random state: the shuffle of epoch e is drawn from default_rng([seed, e]), the masks of
iteration n from default_rng([seed, n, 1]) (a stream of its own: SeedSequence reads
[seed, e] as [seed, e, 0]), so a replayed iteration redraws exactly the recorded masks.

Both halves of the history have a fixed memory budget, so a run left playing for
hours holds as much as one left for minutes: checkpoints are thinned to every other
one (the replay gets longer, never wrong), and the per-iteration rows keep every
iteration of the latest ``max_rows // 2`` and an evenly thinned sample of the older
ones; a thinned row is recomputed by replay when asked for.
"""

import copy
import sys
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .gradcheck import gradient_name

DROPOUT_STREAM = 1  # the last word of the dropout masks' seed, keeping them apart from the batches'
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
        """Bytes held, Python's per-array overhead included (it dominates for small layers)."""
        arrays = [a for pair in self.parameters for a in pair]
        arrays += [a for s in self.optimizer["state"] for a in s.values()]
        return sum(sys.getsizeof(a) for a in arrays)


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

    ``batch_size`` None (or >= n samples) is full batch. The history has a row per
    iteration (older ones thinned past ``max_rows``): the loss, accuracy and
    regularisation loss on the batch at that iteration's parameters, the test loss and
    accuracy, the learning rate the next update uses, and the norm of every Dense
    layer's dweights. The loss (and the gradients) come from a pass with dropout on; the
    accuracies and the test loss from passes with it off. For regression the trainer fixes
    the accuracy's precision from its training targets (``Loss.init_accuracy``, always: a
    trainer is one run, whatever the network was used for before).
    """

    def __init__(self, network, optimizer, X, y, *, X_test=None, y_test=None, batch_size=None, seed=0,
                 checkpoint_every=25, max_checkpoint_bytes=8_000_000, max_rows=20_000):
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
        network.loss.init_accuracy(self.y, reinit=True)
        self.layer_names = [layer.name for layer in network.dense_layers]
        self.columns = COLUMNS + tuple(f"grad_norm.{name}" for name in self.layer_names)
        self.max_rows = max(int(max_rows), 4)
        capacity = min(64, self.max_rows)                 # grows by doubling up to max_rows
        self._its = np.empty(capacity, dtype=np.int64)    # the iteration of each stored row, ascending
        self._rows = np.empty((capacity, len(self.columns)))
        self._n = 0                                   # rows in use
        self._row_stride = 1                          # older rows kept: multiples of this
        self._epoch_cache = (None, None)
        self.iteration = 0
        self._store(0, self._evaluate(self.network, self.optimizer, 0, row=True))  # validates X and y
        self._checkpoints = [self._checkpoint()]
        self._checkpoint_bytes = self._checkpoints[0].nbytes  # their sum, kept up to date
        self._settings = [(0, optimizer.get_hyperparameters())]  # (from iteration, settings), oldest first
        self._freezes = [(0, network.frozen)]                     # (from iteration, frozen layer names)

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
                row = self._evaluate(self.network, self.optimizer, self.iteration, row=True)
                loss = row[0] + row[1]
                if not np.isfinite(loss + sum(layer.weights.sum() + layer.biases.sum()
                                              for layer in self.network.dense_layers)):
                    bad = self.iteration
                    self.iteration -= 1  # the bad row was never stored
                    self.rewind(bad - 1)
                    raise DivergenceError(bad, loss)
                self._store(self.iteration, row)
                if self.iteration % self.checkpoint_every == 0:
                    self._checkpoints.append(self._checkpoint())
                    self._checkpoint_bytes += self._checkpoints[-1].nbytes
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
        self._rows[self._n - 1, COLUMNS.index("learning_rate")] = self.optimizer.current_learning_rate

    def set_frozen(self, names):
        """Freeze exactly the Dense layers in ``names`` (unfreeze the others) from the current
        iteration on; the past is unchanged. A frozen layer's parameters stop updating; its
        gradients are still computed and recorded."""
        names = frozenset(names)
        unknown = sorted(names - set(self.layer_names))
        if unknown:
            raise ValueError(f"unknown layer(s) {unknown}; known: {self.layer_names}")
        _apply_frozen(self.network, names)
        self._freezes = [f for f in self._freezes if f[0] < self.iteration]
        self._freezes.append((self.iteration, names))

    def frozen_schedule(self):
        """[(iteration, frozenset of the Dense layers frozen from it on)], oldest first."""
        return list(self._freezes)

    def rewind(self, iteration):
        """Make ``iteration`` the current one and drop every later iteration (a new branch)."""
        iteration = self._checked(iteration)
        self._checkpoints = [c for c in self._checkpoints if c.iteration <= iteration]
        self._checkpoint_bytes = sum(c.nbytes for c in self._checkpoints)
        self._settings = [s for s in self._settings if s[0] <= iteration]
        self._freezes = [f for f in self._freezes if f[0] <= iteration]
        row = self._load(self.network, self.optimizer, iteration)
        self._n = int(np.searchsorted(self._its[: self._n], iteration, side="right"))
        self._row_stride = 1  # the next thinning finds the finest stride that fits again
        if self._n == 0 or self._its[self._n - 1] != iteration:  # its row had been thinned
            self._store(iteration, row)
        self.iteration = iteration

    # -- looking at the past --------------------------------------------------------
    def snapshot(self, iteration=None):
        """A Snapshot of ``iteration`` (default: the current one); the trainer is unchanged."""
        iteration = self.iteration if iteration is None else self._checked(iteration)
        network = copy.deepcopy(self.network)
        row = self._stored(iteration)
        if iteration != self.iteration:
            replayed = self._load(network, copy.deepcopy(self.optimizer), iteration)
            row = replayed if row is None else row
        return Snapshot(iteration, network, np.arange(len(self.X))[self.batch_indices(iteration)],
                        dict(zip(self.columns, map(float, row))))

    def record(self, iteration=None):
        """{column: value} of one iteration's history row (default: the current one); a
        thinned row is recomputed by replay, identical to the one recorded."""
        iteration = self.iteration if iteration is None else self._checked(iteration)
        row = self._stored(iteration)
        if row is None:
            row = self._load(copy.deepcopy(self.network), copy.deepcopy(self.optimizer), iteration)
        return dict(zip(self.columns, map(float, row)))

    def history(self, *, upto=None, max_points=None, keep=()):
        """{"iteration": ascending iterations, column: values there} for the stored rows up to
        ``upto`` (default: the current iteration): every one of the latest ``max_rows // 2``
        iterations, older ones thinned. ``max_points``: evenly downsampled to about that many
        rows (for a chart), always with the last row and each iteration in ``keep`` (recomputed
        if it was thinned), so a chart can mark its exact value. Arrays are copies."""
        upto = self.iteration if upto is None else min(int(upto), self.iteration)
        stored = self._its[: int(np.searchsorted(self._its[: self._n], upto, side="right"))]
        n = len(stored)
        pick = np.arange(n)
        if max_points is not None and n > max_points:
            pick = np.r_[np.linspace(0, n - 1, max_points).astype(int), n - 1]
        keep = np.array(sorted({int(k) for k in keep if 0 <= k <= upto}), dtype=np.int64)
        at = np.minimum(np.searchsorted(stored, keep), max(n - 1, 0))
        found = (stored[at] == keep) if n else np.zeros(len(keep), bool)
        pick = np.unique(np.r_[pick, at[found]]).astype(np.int64)
        its, rows = self._its[pick], self._rows[pick]
        missing = keep[~found]
        if len(missing):
            its = np.r_[its, missing]
            rows = np.vstack([rows, [list(self.record(k).values()) for k in missing]])
            order = np.argsort(its, kind="stable")
            its, rows = its[order], rows[order]
        return {"iteration": its, **{c: rows[:, i] for i, c in enumerate(self.columns)}}

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

    def parameter_path(self, iterations):
        """The parameters (as ``Network.get_parameters``) at each of ``iterations`` (ascending, up to
        the current one): a checkpoint's are read as stored; the others are replayed in one pass,
        from the previous point when no checkpoint lies between. For a landscape's path, whose
        points cost nothing at the checkpoints."""
        iterations = [self._checked(it) for it in iterations]
        if iterations != sorted(iterations):
            raise ValueError("parameter_path needs ascending iterations")
        stored = {c.iteration: c for c in self._checkpoints}
        scratch, opt = copy.deepcopy(self.network), copy.deepcopy(self.optimizer)
        out, at = [], None  # at: the iteration scratch holds, if one of ours
        for it in iterations:
            if it in stored:
                out.append([(w.copy(), b.copy()) for w, b in stored[it].parameters])
                continue
            if at is not None and self._checkpoint_before(it).iteration <= at:
                self._replay(scratch, opt, at, it)
            else:
                self._load(scratch, opt, it)
            at = it
            out.append(scratch.get_parameters())
        return out

    def schedule(self):
        """[(iteration, optimizer settings in force from it on)], oldest first: enough,
        with the config, to rebuild this exact run elsewhere."""
        return [(it, dict(settings)) for it, settings in self._settings]

    @property
    def checkpoint_iterations(self):
        """The iterations that have a checkpoint, ascending (a tuple of ints): a snapshot or
        rewind replays from the nearest one at or before it."""
        return tuple(c.iteration for c in self._checkpoints)

    @property
    def checkpoint_bytes(self):
        """Bytes the checkpoints hold (an int, summed afresh): the part of ``nbytes`` that
        ``max_checkpoint_bytes`` bounds."""
        return sum(c.nbytes for c in self._checkpoints)

    @property
    def nbytes(self):
        """Memory held by the history: checkpoints plus the rows' arrays."""
        return self._checkpoint_bytes + self._rows.nbytes + self._its.nbytes

    # -- internals -------------------------------------------------------------------
    def _evaluate(self, network, optimizer, iteration, *, row=False):
        """Forward and backward at the network's parameters on ``iteration``'s batch. Returns
        the data loss, or with ``row`` the iteration's history row (shape (len(columns),))."""
        idx = self.batch_indices(iteration)
        # Full batch: the frozen arrays themselves, so per-label caches (one-hot) stay valid.
        Xb, yb = (self.X, self.y) if isinstance(idx, slice) else (self.X[idx], self.y[idx])
        test_loss = test_acc = np.nan
        if row and self.X_test is not None:
            out = network.forward(self.X_test, training=False)
            test_loss, test_acc = network.data_loss(out, self.y_test), network.accuracy(out, self.y_test)
        dropout = network.has_dropout
        # With dropout, accuracy comes from a pass with it off, made first: the masked pass after
        # it leaves the caches (and gradients) of the update on display.
        plain = network.forward(Xb, training=False) if row and dropout else None
        rng = np.random.default_rng([self.seed, iteration, DROPOUT_STREAM]) if dropout else None
        output = network.forward(Xb, rng=rng)
        loss = network.data_loss(output, yb)
        network.backward(output, yb, input_gradient=False)
        if not row:
            return loss
        accuracy = network.accuracy(output if plain is None else plain, yb)
        return np.array((loss, network.regularization_loss(), accuracy, test_loss, test_acc,
                         optimizer.current_learning_rate,
                         *(np.linalg.norm(layer.dweights) for layer in network.dense_layers)))

    def _load(self, network, optimizer, iteration):
        """Put ``network``/``optimizer`` at ``iteration`` (nearest checkpoint, then replay, with
        the settings in force at each iteration); returns that iteration's history row."""
        start = self._checkpoint_before(iteration)
        network.set_parameters(start.parameters)
        optimizer.set_state(start.optimizer)
        _apply(optimizer, [s for it, s in self._settings if it <= start.iteration][-1])
        _apply_frozen(network, [f for it, f in self._freezes if it <= start.iteration][-1])
        self._replay(network, optimizer, start.iteration, iteration)
        return self._evaluate(network, optimizer, iteration, row=True)

    def _replay(self, network, optimizer, start, iteration):
        """Take ``network``/``optimizer`` from iteration ``start`` (where they are, with its settings
        applied) to ``iteration``, with the settings in force at each."""
        changes, freezes = dict(self._settings), dict(self._freezes)
        for it in range(start, iteration):
            self._evaluate(network, optimizer, it)
            optimizer.step(network)
            if it + 1 in changes:  # from it + 1 on: its row already shows the new learning rate
                _apply(optimizer, changes[it + 1])
            if it + 1 in freezes:
                _apply_frozen(network, freezes[it + 1])

    def _checkpoint_before(self, iteration):
        """The latest checkpoint at or before ``iteration``."""
        return max((c for c in self._checkpoints if c.iteration <= iteration), key=lambda c: c.iteration)

    def _store(self, iteration, row):
        """Append ``iteration``'s row; at ``max_rows``, thin the older half."""
        if self._n == len(self._rows):
            if self._n < self.max_rows:
                grow = min(2 * self._n, self.max_rows) - self._n
                self._its = np.r_[self._its, np.empty(grow, np.int64)]
                self._rows = np.vstack([self._rows, np.empty((grow, self._rows.shape[1]))])
            else:
                self._thin_rows(iteration)
        self._its[self._n], self._rows[self._n] = iteration, row
        self._n += 1

    def _thin_rows(self, iteration):
        """Keep every row of the latest max_rows // 2 iterations and, of the older ones, those at
        multiples of the stride, doubled as often as needed to free a quarter of the rows."""
        its = self._its[: self._n]
        while True:
            kept = (its % self._row_stride == 0) | (its > iteration - self.max_rows // 2)
            if kept.sum() <= 3 * self.max_rows // 4:
                break
            self._row_stride *= 2
        n = int(kept.sum())
        self._its[:n], self._rows[:n] = its[kept], self._rows[: self._n][kept]
        self._n = n

    def _stored(self, iteration):
        """The stored row of ``iteration``, or None if it was thinned."""
        k = int(np.searchsorted(self._its[: self._n], iteration))
        return self._rows[k] if k < self._n and self._its[k] == iteration else None

    def _checkpoint(self):
        return Checkpoint(self.iteration, self.network.get_parameters(), self.optimizer.get_state())

    def _thin(self):
        """Over the memory budget: keep every other checkpoint (always iteration 0 and the newest)
        and double the spacing, until it fits or nothing more can go."""
        while self._checkpoint_bytes > self.max_checkpoint_bytes:
            self.checkpoint_every *= 2
            kept = [c for c in self._checkpoints
                    if c.iteration % self.checkpoint_every == 0 or c.iteration == self.iteration]
            if len(kept) == len(self._checkpoints):
                break
            self._checkpoints = kept
            self._checkpoint_bytes = sum(c.nbytes for c in kept)

    def _checked(self, iteration):
        iteration = int(iteration)
        if not 0 <= iteration <= self.iteration:
            raise ValueError(f"iteration must be between 0 and {self.iteration}, got {iteration}")
        return iteration


def _apply(optimizer, settings):
    for key, value in settings.items():
        setattr(optimizer, key, value)


def _apply_frozen(network, names):
    for layer in network.dense_layers:
        layer.frozen = layer.name in names


def _frozen(a):
    a = np.array(a)  # a private copy: the history must not change under us
    a.setflags(write=False)
    return a
