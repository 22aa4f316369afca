"""The playground's training session: builds the trainer from a Config, keeps it in
st.session_state, and turns nncore's state into the live view's frames.

No maths here: training, gradients and probabilities all come from nncore.
"""

from dataclasses import fields

import numpy as np
import streamlit as st

import nncore
from ui import data
from ui.live import encode_probs
from ui.state import Config, K

GRID = 50               # boundary resolution in the live view (GRID x GRID)
FRAMES_PER_BATCH = 10   # frames per server run while playing: the browser plays them at FPS
FPS = 20
HISTORY_POINTS = 400    # loss history sent to the live view, downsampled


def build(cfg):
    """A fresh Trainer for ``cfg``: its data, its network (weights from cfg.weight_seed), its optimizer."""
    X, y, X_test, y_test = data.dataset(cfg.dataset, cfg.samples, cfg.classes, cfg.noise, cfg.test_fraction,
                                        cfg.data_seed)
    n_out = 1 if cfg.output == "sigmoid" else cfg.classes
    network = nncore.mlp(2, list(cfg.hidden), n_out, output=cfg.output, seed=cfg.weight_seed, l1=cfg.l1, l2=cfg.l2)
    optimizer = nncore.OPTIMIZERS[cfg.optimizer](**cfg.hyperparameters())
    return nncore.Trainer(network, optimizer, X, y, X_test=X_test, y_test=y_test,
                          batch_size=cfg.batch_size or None, seed=cfg.weight_seed)


def changed(old, new, keys):
    return [f.name for f in fields(Config) if f.name in keys and getattr(old, f.name) != getattr(new, f.name)]


def ensure_trainer(cfg):
    """Make the session's trainer match ``cfg``: data or architecture changes reset it (and
    say so); optimizer settings change from the current iteration on and training goes on."""
    ss = st.session_state
    old, trainer = ss.get(K.CONFIG), ss.get(K.TRAINER)
    data_fields = {"dataset", "samples", "classes", "noise", "test_fraction", "data_seed"}
    model_fields = {"hidden", "output", "l1", "l2", "weight_seed", "optimizer", "batch_size"}
    if trainer is None or old.data_key() != cfg.data_key() or old.model_key() != cfg.model_key():
        if trainer is not None:
            what = changed(old, cfg, data_fields | model_fields)
            ss[K.NOTICE] = ("info", f"Changed {', '.join(what)}: training restarted at iteration 0.")
        ss[K.TRAINER] = build(cfg)
        ss[K.PLAYING] = False
        ss[K.VIEW] = 0
    elif old.hyperparameters() != cfg.hyperparameters():
        what = [k for k, v in cfg.hyperparameters().items() if old.hyperparameters()[k] != v]
        trainer.set_hyperparameters(**cfg.hyperparameters())
        ss[K.NOTICE] = ("info", f"Changed {', '.join(what)} from iteration {trainer.iteration} on; "
                                "training continues from here.")
    ss[K.CONFIG] = cfg
    return ss[K.TRAINER]


def view():
    """The iteration on screen (the slider), within the trainer's range."""
    trainer = st.session_state[K.TRAINER]
    v = int(st.session_state.get(K.VIEW, trainer.iteration))
    return min(max(v, 0), trainer.iteration)


def branch_here():
    """Stepping while viewing the past continues from the viewed iteration."""
    trainer = st.session_state[K.TRAINER]
    v = view()
    if v < trainer.iteration:
        trainer.rewind(v)


def advance(n):
    """Train ``n`` iterations from the viewed one; divergence stops play and is reported.
    Returns the number of iterations actually done."""
    ss = st.session_state
    trainer = ss[K.TRAINER]
    branch_here()
    start = trainer.iteration
    try:
        trainer.step(n)
    except nncore.DivergenceError as err:
        ss[K.PLAYING] = False
        ss[K.NOTICE] = ("warning", f"{err} Rewind works: every iteration up to {err.last_good} is kept.")
    ss[K.VIEW] = trainer.iteration
    return trainer.iteration - start


def frame(snapshot_network, iteration, record, window):
    """One live-view frame: class probabilities over the window, and the numbers."""
    probs = nncore.probability_grid(snapshot_network, window[0], window[1], GRID)
    test = np.isfinite(record["test_loss"])
    return {"iteration": iteration, "probs": encode_probs(probs), "loss": record["loss"],
            "acc": record["accuracy"], "test_loss": record["test_loss"] if test else None,
            "test_acc": record["test_accuracy"] if test else None}


def payload(frames, trainer, cfg, *, playing, show_test, presentation):
    """The live view's data: points once per run, frames, and the loss history before them."""
    window = window_of(trainer)
    first = frames[0]["iteration"] if frames else trainer.iteration
    h = trainer.history()
    idx = thin(first, HISTORY_POINTS)
    points_x, points_c = [trainer.X], [trainer.y]
    if show_test and trainer.X_test is not None:
        points_x.append(trainer.X_test)
        points_c.append(trainer.y_test)
    P, C = np.concatenate(points_x), np.concatenate(points_c)
    test_flag = np.r_[np.zeros(len(trainer.X), int), np.ones(len(P) - len(trainer.X), int)]
    return {
        "seq": int(st.session_state.get(K.SEQ, 0)), "playing": playing, "fps": FPS,
        "grid": {"w": GRID, "h": GRID, "x0": window[0][0], "x1": window[0][1], "y0": window[1][0],
                 "y1": window[1][1]},
        "classes": cfg.classes,
        "points": {"x": np.round(P[:, 0], 4).tolist(), "y": np.round(P[:, 1], 4).tolist(), "c": C.tolist(),
                   "test": test_flag.tolist()},
        "frames": frames,
        "history": {"it": idx.tolist(), "loss": h["loss"][idx].tolist(),
                    "test_loss": [None if not np.isfinite(v) else v for v in h["test_loss"][idx]]},
        "presentation": presentation, "log_y": True,
    }


def thin(n_before, max_points):
    """Indices 0..n_before-1 thinned to at most ``max_points``, always keeping the last."""
    if n_before <= max_points:
        return np.arange(n_before)
    return np.unique(np.r_[np.linspace(0, n_before - 1, max_points).astype(int), n_before - 1])


def window_of(trainer):
    return data.bounds(np.r_[trainer.X, trainer.X_test] if trainer.X_test is not None else trainer.X)
