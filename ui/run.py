"""The playground's run: a trainer built from a Config, the iteration on view, playing or
paused, and what the live view is sent. No Streamlit here: ``PlaygroundRun(state)`` works
over any mutable mapping (the page passes st.session_state, tests a dict), every value
under a key of ``K``.

No maths here either: training, gradients and probabilities all come from nncore.
"""

import copy
import time
from dataclasses import fields

import numpy as np

import nncore
import nncore.io as nio
from ui import pacing
from ui.state import CUSTOM, LABELS, Config, K

HISTORY_POINTS = 400    # loss history sent to the live view, downsampled
PHASES_MS = 1000        # a Step shown in phases (forward, backward, update) takes this long, by default


def split_dataset(name, samples, classes, noise, test_fraction, seed):
    """(X_train, y_train, X_test, y_test) of a named dataset (a regression one ignores ``classes``)."""
    make, args = nncore.datasets.call(name, samples, classes, noise, seed)
    X, y = make(*args)
    return nncore.datasets.train_test_split(X, y, test_fraction, seed)


def bounds(X, margin=0.15, square=True):
    """The window shown around the points X (n, 2): ((lo, hi), (lo, hi)); ``square``: both axes padded
    alike (the (x1, x2) plane, drawn with equal scales), else each by its own span (x against y)."""
    lo, hi = np.min(X, axis=0), np.max(X, axis=0)
    span = hi - lo
    pad = margin * (np.full(2, float(np.max(span) or 1.0)) if square else np.where(span > 0, span, 1.0))
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def network_for(cfg):
    return nncore.mlp(cfg.n_inputs, list(cfg.hidden), cfg.n_outputs, output=cfg.output,
                      seed=cfg.weight_seed, l1=cfg.l1, l2=cfg.l2, init=cfg.init, dropout=cfg.dropout,
                      features=cfg.features)


def start_key(cfg):
    """What uploaded weights must match to stay: the layers (their widths in and out included: the classes
    decide the output's), and no new weights drawn since (New weights, another way of drawing them)."""
    return cfg.hidden, cfg.output, cfg.n_inputs, cfg.n_outputs, cfg.weight_seed, cfg.init, cfg.features


def changed(old, new, names):
    """The settings among ``names`` that differ, as the sidebar names them ("Hidden layers")."""
    return [LABELS[f.name] for f in fields(Config) if f.name in names and getattr(old, f.name) != getattr(new, f.name)]


def optimizer_label(optimizer):
    """"SGD: learning_rate 1, decay 0, momentum 0": every setting, for a legend."""
    settings = optimizer.get_hyperparameters().items()
    return f"{type(optimizer).__name__}: " + ", ".join(f"{k} {v:g}" for k, v in settings)


def frame(network, iteration, record, inputs=None):
    """One live-view frame: the numbers, and the network at ``iteration`` as arrays the page encodes
    (its parameters, the gradients at them, each neuron's activity, gradient and state (working, dead
    or saturated on the batch), from nncore, and the batch's size); with ``inputs`` = (X, y) also
    -dL_s/dx_s for every sample. The browser draws the pictures from these."""
    dense = network.dense_layers
    summaries = network.neuron_summaries()
    test = np.isfinite(record["test_loss"])
    f = {"iteration": iteration, "loss": record["loss"], "reg_loss": record["regularization_loss"],
         "acc": record["accuracy"], "test_loss": record["test_loss"] if test else None,
         "test_acc": record["test_accuracy"] if test else None, "lr": record["learning_rate"],
         "params": [a for layer in dense for a in (layer.weights, layer.biases)],
         "grads": [a for layer in dense for a in (layer.dweights, layer.dbiases)],
         "activity": [a for a, _ in summaries], "grad": [g for _, g in summaries],
         "state": network.neuron_states(), "batch": len(network.output)}
    if inputs is not None:
        f["input_grads"] = -nncore.network.sample_input_gradients(network, *inputs)
    return f


ARRAYS = ("params", "grads", "activity", "grad", "state", "input_grads")   # a frame's arrays, encoded for the wire


def architecture(network):
    """{inputs, features, layers: [{name, n_in, n, activation}]}: what the browser needs to run
    ``network`` (each Dense with the activation after it: Network.activation_names). ``inputs``: the
    labels of the first layer's inputs (x1, x2, then any features); ``features``: the features' names
    (nncore.FEATURES), which the browser computes from (x1, x2) in that order."""
    features = network.features
    return {"inputs": list(network.input_labels), "features": list(features.names) if features else [],
            "layers": [{"name": dense.name, "n_in": dense.n_inputs, "n": dense.n_neurons, "activation": activation}
                       for dense, activation in zip(network.dense_layers, network.activation_names)]}


class PlaygroundRun:
    """One session's run, kept in ``state``. The trainer's iteration is the newest one trained;
    the view may be an earlier one, and stepping or playing from there drops the later ones."""

    def __init__(self, state, dataset=split_dataset):
        """``dataset``: split_dataset, or the page's cached version of it."""
        self.state, self.dataset = state, dataset

    # -- what is there ------------------------------------------------------------------------
    @property
    def trainer(self):
        return self.state.get(K.TRAINER)

    @property
    def config(self):
        return self.state.get(K.CONFIG)

    @property
    def playing(self):
        return bool(self.state.get(K.PLAYING))

    @property
    def scale(self):
        return self.state.get(K.PLAY_SCALE, pacing.START_SCALE)

    @property
    def pause_pending(self):
        return K.PAUSE in self.state

    @property
    def busy(self):
        return pacing.busy(self.playing, self.scale)

    def view(self):
        """The iteration on screen, within the trainer's range."""
        trainer = self.trainer
        v = int(self.state.get(K.VIEW_ITERATION, trainer.iteration))
        return min(max(v, 0), trainer.iteration)

    def snapshot(self):
        return self.trainer.snapshot(self.view())

    def clipped(self, snap):
        """(samples of ``snap``'s batch whose printed loss clips p, batch size), from nncore."""
        y = self.trainer.y[snap.batch]
        return snap.network.clipped_samples(snap.network.output, y), len(y)

    def history(self, max_points=2000):
        """The history for a chart: about ``max_points`` rows, the iteration on view among them."""
        return self.trainer.history(max_points=max_points, keep=(self.view(),))

    def stale(self, cfg):
        """The run is gone (new data) or was built from another config."""
        return self.trainer is None or cfg != self.config

    def window(self):
        """The (x1, x2) window of the plane; for regression the (x, y) window of the fitted curve."""
        trainer = self.trainer
        X = np.r_[trainer.X, trainer.X_test] if trainer.X_test is not None else trainer.X
        if self.config.regression:
            y = np.r_[trainer.y, trainer.y_test] if trainer.y_test is not None else trainer.y
            return bounds(np.c_[X, y], margin=0.08, square=False)
        return bounds(X)

    def notify(self, kind, text):
        """A message ("info" or "warning") for the next time the page is drawn."""
        self.state.setdefault(K.NOTICES, []).append((kind, text))

    def take_notices(self):
        return self.state.pop(K.NOTICES, [])

    # -- building -----------------------------------------------------------------------------
    def apply_config(self, cfg):
        """Make the run match ``cfg``: data or architecture changes rebuild it at iteration 0;
        optimizer settings change from the viewed iteration on and training goes on. Returns
        the notices this added."""
        before = len(self.state.get(K.NOTICES, []))
        old, trainer = self.config, self.trainer
        if trainer is None or old.data_key() != cfg.data_key() or old.model_key() != cfg.model_key():
            if trainer is not None:
                what = changed(old, cfg, Config.DATA_FIELDS + Config.MODEL_FIELDS)
                self.notify("info", f"Changed {', '.join(what)}: training restarted at iteration 0.")
            self._start(cfg)
        elif old.hyperparameters() != cfg.hyperparameters():
            what = [LABELS[k] for k, v in cfg.hyperparameters().items() if old.hyperparameters()[k] != v]
            trainer.set_hyperparameters(**cfg.hyperparameters())
            self.notify("info", f"Changed {', '.join(what)}: the next step, from iteration {self.view()}, uses it; "
                                "the iterations before keep the old setting.")
        self.state[K.CONFIG] = cfg
        return self.state.get(K.NOTICES, [])[before:]

    def _start(self, cfg):
        """A fresh trainer for ``cfg``: its data (or the session's own data), its network (weights
        from cfg.weight_seed, or an uploaded weights file that fits it), its optimizer."""
        if cfg.dataset == CUSTOM:
            X, y = self.state[K.CUSTOM_DATA]
            X, y, X_test, y_test = nncore.datasets.train_test_split(X, y, cfg.test_fraction, cfg.data_seed)
        else:
            X, y, X_test, y_test = self.dataset(cfg.dataset, cfg.samples, cfg.classes, cfg.noise,
                                                cfg.test_fraction, cfg.data_seed)
        network = network_for(cfg)
        start = self.state.get(K.START_WEIGHTS)
        if start is not None:
            if start[0] == start_key(cfg):
                network.set_parameters(start[1])
            else:
                del self.state[K.START_WEIGHTS]
                self.notify("info", "The architecture (the classes decide the output layer's width), the weight "
                                    "seed or the initial weights changed: the uploaded weights were dropped.")
        self.state[K.BUILD] = self.state.get(K.BUILD, 0) + 1  # which run this is (run B starts from its weights)
        optimizer = nncore.OPTIMIZERS[cfg.optimizer](**cfg.hyperparameters())
        self.state[K.TRAINER] = nncore.Trainer(network, optimizer, X, y, X_test=X_test, y_test=y_test,
                                               batch_size=cfg.batch_size or None, seed=cfg.weight_seed)
        self.state[K.PLAYING] = False
        self.state[K.VIEW_ITERATION] = 0

    def load_weights(self, name, content):
        """Validate an uploaded weights file against the current architecture and start a new
        run from it. Returns an error message, or None."""
        cfg = self.config
        network = network_for(cfg)
        try:
            (nio.from_npz if name.lower().endswith(".npz") else nio.from_json)(content, network)
        except ValueError as err:
            return f"{name}: {err}"
        self.state[K.START_WEIGHTS] = (start_key(cfg), network.get_parameters())
        self._start(cfg)
        return None

    @property
    def uploaded_weights(self):
        return self.state.get(K.START_WEIGHTS) is not None

    def custom_data(self):
        """(X, y) of your own data; empty arrays before there is any."""
        return self.state.get(K.CUSTOM_DATA) or (np.empty((0, 2)), np.empty(0, dtype=np.int64))

    def use_custom_data(self, X, y):
        """Your own data replaces the run's: the next apply_config builds a new run on it."""
        self.state[K.CUSTOM_DATA] = (X, y)
        self.state.pop(K.TRAINER, None)

    def add_points(self, points, label):
        """Drawn points of class ``label``. Returns whether there are two classes to train on
        (then the run is dropped, for a new one on your data)."""
        X, y = self.custom_data()
        X = np.vstack([X, np.array(points, dtype=float).reshape(-1, 2)])
        y = np.concatenate([y, np.full(len(points), label, dtype=np.int64)])
        self.state[K.CUSTOM_DATA] = (X, y)
        if len(np.unique(y)) < 2:
            return False
        self.state.pop(K.TRAINER, None)
        return True

    def clear_points(self):
        self.state.pop(K.CUSTOM_DATA, None)

    def set_frozen(self, names):
        """Freeze exactly the Dense layers ``names`` (the sidebar's choice) for the next steps from
        the viewed iteration on, like an optimizer setting. Returns an error message, or None."""
        trainer = self.trainer
        try:
            names = frozenset(names)
            if names == trainer.network.frozen:
                return None
            trainer.set_frozen(names)  # nncore checks the names against the network
        except (TypeError, ValueError) as err:
            return f"Frozen layers not changed: {err}."
        if names:
            self.notify("info", f"From iteration {self.view()} the next steps leave {', '.join(sorted(names))} "
                                "unchanged; their gradients are still shown.")
        else:
            self.notify("info", f"From iteration {self.view()} every layer learns again.")
        return None

    @property
    def frozen(self):
        """The Dense layers the next steps leave unchanged, sorted."""
        return sorted(self.trainer.network.frozen)

    # -- moving -------------------------------------------------------------------------------
    def _truncate(self, iteration):
        """Drop the iterations after ``iteration``, then keep the optimizer settings and frozen
        layers on screen: the rewound state carries the ones that were in force back then."""
        trainer, cfg = self.trainer, self.config
        frozen = trainer.network.frozen
        trainer.rewind(iteration)
        if trainer.optimizer.get_hyperparameters() != cfg.hyperparameters():
            trainer.set_hyperparameters(**cfg.hyperparameters())
        if trainer.network.frozen != frozen:
            trainer.set_frozen(frozen)

    def _branch_here(self):
        """Training while viewing the past continues from the viewed iteration."""
        v = self.view()
        if v < self.trainer.iteration:
            self._truncate(v)

    def _advance(self, n):
        """Train ``n`` iterations from the viewed one; divergence stops play and is reported.
        Returns the number of iterations actually done."""
        trainer = self.trainer
        self.state.pop(K.STAGE_MESSAGE, None)
        self._branch_here()
        start = trainer.iteration
        try:
            trainer.step(n)
        except nncore.DivergenceError as err:
            # Said by the stage, where the student is looking, without pushing the stage down.
            self.state[K.PLAYING] = False
            self.state[K.STAGE_MESSAGE] = f"{err} Rewind works: every iteration up to {err.last_good} is kept."
        self.state[K.VIEW_ITERATION] = trainer.iteration
        return trainer.iteration - start

    def step(self, n=1):
        """Step or Step x10: stops playing, trains ``n`` iterations from the view. One Step is
        shown in phases (forward, backward, update) from the iteration before it."""
        self.state[K.PLAYING] = False
        before = self.view()
        done = self._advance(n)
        if n == 1 and done == 1:
            self.state[K.STEP_FROM] = before
        return done

    def play(self):
        """Start playing from the view (nothing if already playing: a re-sent click must not restart it)."""
        if self.playing:
            return
        self.state.pop(K.PAUSE, None)
        self.state.pop(K.STAGE_MESSAGE, None)
        self._branch_here()
        self.state[K.VIEW_ITERATION] = self.trainer.iteration
        self.state[K.PLAY_SCALE] = pacing.START_SCALE
        self.state[K.PLAYING] = True

    def pause(self):
        """Stop playing. The live view is still playing frames computed ahead of it: it stops on the
        one it shows and reports it (``paused_at``), so Pause stops where the student sees it."""
        if self.playing:
            self.state[K.PAUSE] = (self.trainer, self.trainer.iteration)
        self.state[K.PLAYING] = False

    def paused_at(self, iteration):
        """The live view stopped on ``iteration`` after a Pause: make it the current one (the ones
        computed past it were never shown). The value comes from the browser: it counts only as the
        answer to the last Pause, with nothing moved since, and within the run."""
        pending = self.state.pop(K.PAUSE, None)
        if pending is None or self.playing or self.trainer is not pending[0]:
            return
        trainer, at_pause = pending
        if trainer.iteration != at_pause or self.view() != at_pause:
            return
        if type(iteration) is int and 0 <= iteration < at_pause:
            self._truncate(iteration)
            self.state[K.VIEW_ITERATION] = iteration

    def rewind(self, iteration):
        """Show ``iteration`` (the rewind slider); nothing is dropped until training goes on from
        there. Streamlit also reports the value the browser merely echoes (the slider follows
        play): only a real move pauses, so what is on screen is that iteration."""
        if iteration == self.view():
            return
        self.state[K.PLAYING] = False
        self.state[K.VIEW_ITERATION] = min(max(int(iteration), 0), self.trainer.iteration)

    def reset(self):
        self.state.pop(K.STAGE_MESSAGE, None)
        self.state[K.PLAYING] = False
        self._truncate(0)
        self.state[K.VIEW_ITERATION] = 0
        self.notify("info", "Reset to iteration 0: the same initial weights.")

    # -- the live view ------------------------------------------------------------------------
    def grid(self):
        """Points per side of the grid the browser samples the network on (for regression: along x)."""
        macs = sum(layer.weights.size for layer in self.trainer.network.dense_layers)
        return pacing.curve_size(macs) if self.config.regression else pacing.grid_size(macs)

    def play_plan(self):
        return pacing.play_plan(self.config.speed, self.scale)

    def next_batch(self, clock=time.perf_counter):
        """(frames, grid): one batch of play, trained under the batch lock (one iteration a frame
        once others queue behind it for long), the pace adapted to how long it took. Play stops at
        Stop at iteration, or on divergence (with a warning); the history is kept either way."""
        trainer, cfg = self.trainer, self.config
        grid = self.grid()
        if not self.playing:
            return [], grid
        if trainer.iteration >= cfg.stop_at:
            self.state[K.PLAYING] = False
            self.stopped_at_limit()
            return [], grid
        frames, inputs = [], self.inputs()
        stride, batch = self.play_plan()
        per_frame, first = stride, trainer.iteration
        started = clock()
        lock = pacing.BATCH_LOCK
        with lock:
            waited = clock() - started
            for _ in range(batch):
                # Others queue behind a long turn: it ends soon, and the film keeps its length.
                if per_frame > 1 and lock.waiting() and clock() - started - waited > pacing.YIELD_AFTER:
                    per_frame = 1
                self._advance(min(per_frame, cfg.stop_at - trainer.iteration))
                frames.append(frame(trainer.network, trainer.iteration, trainer.record(), inputs))
                if trainer.iteration >= cfg.stop_at:
                    self.state[K.PLAYING] = False
                    self.stopped_at_limit()
                if not self.playing:
                    break
        cut = per_frame < stride  # the share of the planned iterations trained, if the turn was cut short
        trained = (trainer.iteration - first) / (stride * len(frames)) if cut else 1.0
        self.state[K.PLAY_SCALE] = pacing.adapt(self.scale, clock() - started, len(frames), waited, trained)
        self.state[K.SEQ] = self.state.get(K.SEQ, 0) + 1
        return frames, grid

    def stopped_at_limit(self):
        """Play reached Stop at iteration: the stage says so, where the student is looking."""
        self.state[K.STAGE_MESSAGE] = (f"Stopped at iteration {self.trainer.iteration}: the limit set in the "
                                       "sidebar under Play → Stop at iteration.")

    def inputs(self):
        """(X, y) for the input-gradient arrows when the stage shows them, else None."""
        return (self.trainer.X, self.trainer.y) if self.stage_view()["arrows"] else None

    def stage_view(self):
        """The stage's switches, as the browser last set them (``view`` of the live component)."""
        view = (self.state.get(K.LIVE) or {}).get("view")
        view = view if isinstance(view, dict) else {}
        mode = view.get("mode") if view.get("mode") in ("weights", "gradients") else "weights"
        ms = view.get("phases_ms")
        ms = int(ms) if type(ms) is int and 0 <= ms <= 10_000 else PHASES_MS
        return {"mode": mode, "arrows": view.get("arrows") is True, "phases_ms": ms}

    def picked_weight(self, value):
        """(layer, i, j) of a weight clicked in the stage, checked against the network (the value comes
        from the browser), or None."""
        if not isinstance(value, dict):
            return None
        layer, i, j = value.get("layer"), value.get("i"), value.get("j")
        for dense in self.trainer.network.dense_layers:
            if dense.name == layer and type(i) is int and type(j) is int and \
                    0 <= i < dense.n_inputs and 0 <= j < dense.n_neurons:
                return layer, i, j
        return None

    def still(self, snap):
        """(frames, grid, phases) of what the stage shows when not playing: ``snap``'s frame, after
        one Step the frame before it too (to animate the step in phases)."""
        inputs = self.inputs()
        frames = [frame(snap.network, snap.iteration, snap.record, inputs)]
        before = self.state.pop(K.STEP_FROM, None)
        phases = before is not None and before == snap.iteration - 1
        if phases:
            prev = self.trainer.snapshot(before)
            frames.insert(0, frame(prev.network, prev.iteration, prev.record, inputs))
        return frames, self.grid(), phases

    def payload(self, frames, grid, *, show_test, presentation, encode, phases=False):
        """The live view's data: points, the architecture, frames (arrays encoded with ``encode``), and
        the loss history before them (and, after a Pause, the request to stop on the frame on screen)."""
        trainer, window = self.trainer, self.window()
        first = frames[0]["iteration"] if frames else trainer.iteration
        h = trainer.history(upto=first - 1, max_points=HISTORY_POINTS)
        points_x, points_c = [trainer.X], [trainer.y]
        if show_test and trainer.X_test is not None:
            points_x.append(trainer.X_test)
            points_c.append(trainer.y_test)
        P, C = np.concatenate(points_x), np.concatenate(points_c)
        regression = self.config.regression
        if regression:  # the points are (x, y): the fitted curve's panel plots the targets against x
            P, C = np.c_[P, C], np.zeros(len(P), int)
        test_flag = np.r_[np.zeros(len(trainer.X), int), np.ones(len(P) - len(trainer.X), int)]
        message = self.state.get(K.STAGE_MESSAGE) if not self.playing else None
        return {
            "seq": int(self.state.get(K.SEQ, 0)), "playing": self.playing,
            # The pace the server can keep now (after this batch's adapt): the browser plays its whole
            # queue at it, this batch included.
            "fps": pacing.fps(self.playing, self.scale),
            # Regression samples the network along x only (h = 1); y0, y1 is the window of the targets.
            "grid": {"w": grid, "h": 1 if regression else grid, "x0": window[0][0], "x1": window[0][1],
                     "y0": window[1][0], "y1": window[1][1]},
            "task": "regression" if regression else "classification",
            "classes": 1 if regression else self.config.classes, "net": architecture(trainer.network),
            "points": {"x": np.round(P[:, 0], 4).tolist(), "y": np.round(P[:, 1], 4).tolist(), "c": C.tolist(),
                       "test": test_flag.tolist()},
            "frames": [{k: encode(v) if k in ARRAYS else v for k, v in f.items()} for f in frames],
            "history": {"it": h["iteration"].tolist(), "loss": h["loss"].tolist(),
                        "test_loss": [None if not np.isfinite(v) else v for v in h["test_loss"]]},
            "presentation": presentation, "log_y": True, "hold": self.pause_pending,
            "phases": bool(phases) and not self.playing, "view": self.stage_view(),
            **({"message": message} if message else {}),
        }

    # -- run B --------------------------------------------------------------------------------
    def compare_runs(self, optimizer_name, learning_rate, iteration, cap, max_points=1500):
        """[(label, history, snapshot)] at ``iteration`` of this run (A) and of run B: A's data,
        initial weights and batches, with ``optimizer_name`` at ``learning_rate`` and that
        optimizer's own defaults otherwise. B's trainer is kept in the session and trained further
        only as needed; if it diverges its curve ends at its last good iteration. None beyond
        ``cap`` iterations."""
        if iteration > cap:
            return None
        a = self.trainer
        key = (self.state.get(K.BUILD), optimizer_name, learning_rate)
        kept = self.state.get(K.COMPARE_TRAINER)
        if kept is None or kept[0] != key:
            b = nncore.Trainer(copy.deepcopy(a.snapshot(0).network),
                               nncore.OPTIMIZERS[optimizer_name](learning_rate=learning_rate), a.X, a.y,
                               X_test=a.X_test, y_test=a.y_test, batch_size=a.batch_size, seed=a.seed)
            kept = self.state[K.COMPARE_TRAINER] = (key, b)
        b = kept[1]
        if b.iteration < iteration:
            try:
                b.step(iteration - b.iteration)
            except nncore.DivergenceError:
                pass
        at = min(iteration, b.iteration)
        return [(f"{name}: {optimizer_label(t.optimizer)}", t.history(upto=it, max_points=max_points, keep=(it,)),
                 t.snapshot(it)) for name, t, it in (("A", a, iteration), ("B", b, at))]
