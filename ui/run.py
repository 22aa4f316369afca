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
from ui.state import CUSTOM, Config, K

HISTORY_POINTS = 400    # loss history sent to the live view, downsampled


def split_dataset(name, samples, classes, noise, test_fraction, seed):
    """(X_train, y_train, X_test, y_test) of a named dataset."""
    X, y = nncore.datasets.CLASSIFICATION[name](samples, classes, noise, seed)
    return nncore.datasets.train_test_split(X, y, test_fraction, seed)


def bounds(X, margin=0.15):
    """The square (x1, x2) window shown around the data: ((lo, hi), (lo, hi))."""
    lo, hi = np.min(X, axis=0), np.max(X, axis=0)
    pad = margin * float(np.max(hi - lo) or 1.0)
    return (float(lo[0] - pad), float(hi[0] + pad)), (float(lo[1] - pad), float(hi[1] + pad))


def network_for(cfg):
    return nncore.mlp(2, list(cfg.hidden), nncore.output_size(cfg.output, cfg.classes), output=cfg.output,
                      seed=cfg.weight_seed, l1=cfg.l1, l2=cfg.l2)


def start_key(cfg):
    """What uploaded weights must match to stay: the layers, and no New weights drawn since."""
    return cfg.hidden, cfg.output, cfg.weight_seed


def changed(old, new, names):
    return [f.name for f in fields(Config) if f.name in names and getattr(old, f.name) != getattr(new, f.name)]


def optimizer_label(optimizer):
    """"SGD: learning_rate 1, decay 0, momentum 0": every setting, for a legend."""
    settings = optimizer.get_hyperparameters().items()
    return f"{type(optimizer).__name__}: " + ", ".join(f"{k} {v:g}" for k, v in settings)


def frame(network, iteration, record, window, grid):
    """One live-view frame: class probabilities over the window (grid x grid, an array the page
    encodes for the wire), and the numbers."""
    probs = nncore.probability_grid(network, window[0], window[1], grid)
    test = np.isfinite(record["test_loss"])
    return {"iteration": iteration, "probs": probs, "loss": record["loss"],
            "acc": record["accuracy"], "test_loss": record["test_loss"] if test else None,
            "test_acc": record["test_accuracy"] if test else None}


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
        trainer = self.trainer
        return bounds(np.r_[trainer.X, trainer.X_test] if trainer.X_test is not None else trainer.X)

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
            what = [k for k, v in cfg.hyperparameters().items() if old.hyperparameters()[k] != v]
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
                self.notify("info", "The architecture or the weight seed changed: the uploaded weights were dropped.")
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

    # -- moving -------------------------------------------------------------------------------
    def _truncate(self, iteration):
        """Drop the iterations after ``iteration``, then keep the optimizer settings on screen:
        the rewound state carries the settings that were in force back then."""
        trainer, cfg = self.trainer, self.config
        trainer.rewind(iteration)
        if trainer.optimizer.get_hyperparameters() != cfg.hyperparameters():
            trainer.set_hyperparameters(**cfg.hyperparameters())

    def _branch_here(self):
        """Training while viewing the past continues from the viewed iteration."""
        v = self.view()
        if v < self.trainer.iteration:
            self._truncate(v)

    def _advance(self, n):
        """Train ``n`` iterations from the viewed one; divergence stops play and is reported.
        Returns the number of iterations actually done."""
        trainer = self.trainer
        self._branch_here()
        start = trainer.iteration
        try:
            trainer.step(n)
        except nncore.DivergenceError as err:
            self.state[K.PLAYING] = False
            self.notify("warning", f"{err} Rewind works: every iteration up to {err.last_good} is kept.")
        self.state[K.VIEW_ITERATION] = trainer.iteration
        return trainer.iteration - start

    def step(self, n=1):
        """Step or Step x10: stops playing, trains ``n`` iterations from the view."""
        self.state[K.PLAYING] = False
        return self._advance(n)

    def play(self):
        """Start playing from the view (nothing if already playing: a re-sent click must not restart it)."""
        if self.playing:
            return
        self.state.pop(K.PAUSE, None)
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
        self.state[K.PLAYING] = False
        self._truncate(0)
        self.state[K.VIEW_ITERATION] = 0
        self.notify("info", "Reset to iteration 0: the same initial weights.")

    # -- the live view ------------------------------------------------------------------------
    def grid(self):
        return pacing.grid_size(self.busy)

    def play_plan(self):
        return pacing.play_plan(self.config.speed, self.scale)

    def next_batch(self, clock=time.perf_counter):
        """(frames, grid): one batch of play, trained under the batch lock, the pace adapted to
        how long it took. Play stops at Stop at iteration, or on divergence (with a warning);
        the history is kept either way."""
        trainer, cfg = self.trainer, self.config
        grid = self.grid()
        if not self.playing:
            return [], grid
        if trainer.iteration >= cfg.stop_at:
            self.state[K.PLAYING] = False
            self.notify("info", f"Stopped at iteration {trainer.iteration} (Play → Stop at iteration).")
            return [], grid
        window, frames = self.window(), []
        per_frame, batch = self.play_plan()
        started = clock()
        with pacing.BATCH_LOCK:
            for _ in range(batch):
                self._advance(min(per_frame, cfg.stop_at - trainer.iteration))
                frames.append(frame(trainer.network, trainer.iteration, trainer.record(), window, grid))
                if trainer.iteration >= cfg.stop_at:
                    self.state[K.PLAYING] = False
                if not self.playing:
                    break
        self.state[K.PLAY_SCALE] = pacing.adapt(self.scale, clock() - started, len(frames))
        self.state[K.SEQ] = self.state.get(K.SEQ, 0) + 1
        return frames, grid

    def still(self, snap):
        """([the frame of ``snap``], grid): what the live view shows when not playing."""
        grid = self.grid()
        return [frame(snap.network, snap.iteration, snap.record, self.window(), grid)], grid

    def payload(self, frames, grid, *, show_test, presentation, encode):
        """The live view's data: points once per run, frames (probabilities encoded with ``encode``),
        and the loss history before them (and, after a Pause, the request to stop on the frame on
        screen)."""
        trainer, window = self.trainer, self.window()
        first = frames[0]["iteration"] if frames else trainer.iteration
        h = trainer.history(upto=first - 1, max_points=HISTORY_POINTS)
        points_x, points_c = [trainer.X], [trainer.y]
        if show_test and trainer.X_test is not None:
            points_x.append(trainer.X_test)
            points_c.append(trainer.y_test)
        P, C = np.concatenate(points_x), np.concatenate(points_c)
        test_flag = np.r_[np.zeros(len(trainer.X), int), np.ones(len(P) - len(trainer.X), int)]
        return {
            "seq": int(self.state.get(K.SEQ, 0)), "playing": self.playing, "fps": pacing.FPS,
            "grid": {"w": grid, "h": grid, "x0": window[0][0], "x1": window[0][1], "y0": window[1][0],
                     "y1": window[1][1]},
            "classes": self.config.classes,
            "points": {"x": np.round(P[:, 0], 4).tolist(), "y": np.round(P[:, 1], 4).tolist(), "c": C.tolist(),
                       "test": test_flag.tolist()},
            "frames": [{**f, "probs": encode(f["probs"])} for f in frames],
            "history": {"it": h["iteration"].tolist(), "loss": h["loss"].tolist(),
                        "test_loss": [None if not np.isfinite(v) else v for v in h["test_loss"]]},
            "presentation": presentation, "log_y": True, "hold": self.pause_pending,
        }

    def figure(self, key, build, clock=time.monotonic):
        """The figure for ``key``: built on every run, except while playing, where the last one is
        shown again for a while (pacing.refresh): the live view above is what moves, and a batch
        of frames comes several times a second."""
        cache = self.state.setdefault(K.FIGURES, {})
        kept = cache.get(key)
        if kept is not None and self.playing and clock() - kept[0] < pacing.refresh(self.busy):
            return kept[1]
        fig = build()
        cache[key] = (clock(), fig)
        return fig

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
