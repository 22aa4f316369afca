"""The playground's training session: builds the trainer from a Config, keeps it in
st.session_state, and turns nncore's state into the live view's frames.

No maths here: training, gradients and probabilities all come from nncore.
"""

import copy
import threading
import time
from dataclasses import fields

import numpy as np
import streamlit as st

import nncore
import nncore.io as nio
from ui import data
from ui.live import encode_probs
from ui.state import CUSTOM, Config, K

GRID = 50               # boundary resolution in the live view (GRID x GRID) ...
BUSY_GRID = 32          # ... and on a busy server (2.4x fewer bytes per frame)
REFRESH = 1.0           # while playing, the views below the live one are rebuilt every REFRESH s ...
BUSY_REFRESH = 2.0      # ... and on a busy server every BUSY_REFRESH s
FRAMES_PER_BATCH = 24   # frames per server run while playing (1 s): the browser plays them at FPS
BUSY_FRAMES = 48        # ... and on a busy server: fewer, larger runs (2 s of frames)
START_SCALE = 0.25      # Play starts at a quarter of the speed and speeds up (x2 a batch while
                        # the server has room): a class pressing Play at once does not bury the
                        # server under 30 full-speed batches
FPS = 24                # x 50 iterations per frame (the default speed): 1,200 iterations/s
HISTORY_POINTS = 400    # loss history sent to the live view, downsampled

# One session's batch of frames at a time. Not state (it holds no data): NumPy releases the GIL in
# most calls at these sizes, and 30 script threads taking turns at every release spent 8x the CPU
# of one uncontended batch (measured: 91 ms instead of 11 ms for 48 frames).
BATCH_LOCK = threading.Lock()


def build(cfg):
    """A fresh Trainer for ``cfg``: its data (or the session's own data), its network (weights
    from cfg.weight_seed, or an uploaded weights file that fits it), its optimizer."""
    ss = st.session_state
    if cfg.dataset == CUSTOM:
        X, y = ss[K.CUSTOM_DATA]
        X, y, X_test, y_test = nncore.datasets.train_test_split(X, y, cfg.test_fraction, cfg.data_seed)
    else:
        X, y, X_test, y_test = data.dataset(cfg.dataset, cfg.samples, cfg.classes, cfg.noise, cfg.test_fraction,
                                            cfg.data_seed)
    network = network_for(cfg)
    start = ss.get(K.START_WEIGHTS)
    if start is not None:
        if start[0] == start_key(cfg):
            network.set_parameters(start[1])
        else:
            ss.pop(K.START_WEIGHTS)
            ss[K.NOTICE] = ("info", "The architecture or the weight seed changed: the uploaded weights were "
                                    "dropped.")
    ss[K.BUILD] = ss.get(K.BUILD, 0) + 1  # which run this is (the comparison starts from its weights)
    optimizer = nncore.OPTIMIZERS[cfg.optimizer](**cfg.hyperparameters())
    return nncore.Trainer(network, optimizer, X, y, X_test=X_test, y_test=y_test,
                          batch_size=cfg.batch_size or None, seed=cfg.weight_seed)


def sync_url(cfg):
    """Keep the address bar equal to the config, so the URL itself is always a share link."""
    query = cfg.to_query()
    for key in list(st.query_params):
        if key not in query and key != "present":
            del st.query_params[key]
    for key, value in query.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def share_link(cfg):
    """The URL that reproduces ``cfg`` (and presentation mode, if on)."""
    from urllib.parse import urlencode, urlsplit

    query = cfg.to_query()
    if st.session_state.get(K.PRESENTATION):
        query["present"] = "1"
    base = urlsplit(st.context.url or "http://localhost:8501/playground")
    return f"{base.scheme}://{base.netloc}/playground" + (f"?{urlencode(query)}" if query else "")


def network_for(cfg):
    n_out = 1 if cfg.output == "sigmoid" else cfg.classes
    return nncore.mlp(2, list(cfg.hidden), n_out, output=cfg.output, seed=cfg.weight_seed, l1=cfg.l1, l2=cfg.l2)


def load_weights(name, content):
    """Validate an uploaded weights file against the current architecture and start a
    new run from it. Returns an error message, or None."""
    cfg = st.session_state[K.CONFIG]
    network = network_for(cfg)
    try:
        (nio.from_npz if name.lower().endswith(".npz") else nio.from_json)(content, network)
    except ValueError as err:
        return f"{name}: {err}"
    st.session_state[K.START_WEIGHTS] = (start_key(cfg), network.get_parameters())
    st.session_state[K.TRAINER] = build(cfg)
    st.session_state[K.VIEW] = 0
    st.session_state[K.PLAYING] = False
    return None


def start_key(cfg):
    """What uploaded weights must match to stay: the layers, and no New weights drawn since."""
    return cfg.hidden, cfg.output, cfg.weight_seed


def changed(old, new, keys):
    return [f.name for f in fields(Config) if f.name in keys and getattr(old, f.name) != getattr(new, f.name)]


def ensure_trainer(cfg):
    """Make the session's trainer match ``cfg``: data or architecture changes reset it (and
    say so); optimizer settings change from the current iteration on and training goes on."""
    ss = st.session_state
    old, trainer = ss.get(K.CONFIG), ss.get(K.TRAINER)
    if trainer is None or old.data_key() != cfg.data_key() or old.model_key() != cfg.model_key():
        if trainer is not None:
            what = changed(old, cfg, Config.DATA_FIELDS + Config.MODEL_FIELDS)
            ss[K.NOTICE] = ("info", f"Changed {', '.join(what)}: training restarted at iteration 0.")
        ss[K.TRAINER] = build(cfg)
        ss[K.PLAYING] = False
        ss[K.VIEW] = 0
    elif old.hyperparameters() != cfg.hyperparameters():
        what = [k for k, v in cfg.hyperparameters().items() if old.hyperparameters()[k] != v]
        trainer.set_hyperparameters(**cfg.hyperparameters())
        ss[K.NOTICE] = ("info", f"Changed {', '.join(what)}: the next step, from iteration {view()}, uses it; "
                                "the iterations before keep the old setting.")
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
        rewind(v)


def rewind(iteration):
    """Rewind, then keep the optimizer settings on screen: the rewound state carries
    the settings that were in force back then."""
    trainer, cfg = st.session_state[K.TRAINER], st.session_state[K.CONFIG]
    trainer.rewind(iteration)
    if trainer.optimizer.get_hyperparameters() != cfg.hyperparameters():
        trainer.set_hyperparameters(**cfg.hyperparameters())


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


def pause():
    """Stop playing. The live view is still playing frames computed ahead of it: it stops on the
    one it shows and reports it (``paused_at``), so Pause stops where the student sees it."""
    ss = st.session_state
    if ss.get(K.PLAYING):
        ss[K.PAUSE] = (ss[K.TRAINER], ss[K.TRAINER].iteration)
    ss[K.PLAYING] = False


def paused_at(iteration):
    """The live view stopped on ``iteration`` after a Pause: make it the current one (the ones
    computed past it were never shown). The value comes from the browser: it counts only as the
    answer to the last Pause, with nothing moved since, and within the run."""
    ss = st.session_state
    pending = ss.pop(K.PAUSE, None)
    if pending is None or ss.get(K.PLAYING) or ss.get(K.TRAINER) is not pending[0]:
        return
    trainer, at_pause = pending
    if trainer.iteration != at_pause or view() != at_pause:
        return
    if type(iteration) is int and 0 <= iteration < at_pause:
        rewind(iteration)
        ss[K.VIEW] = iteration


def play_plan(cfg):
    """(iterations per frame, frames per batch) for this session's next batch. A session whose
    batches took too long (a busy server: many students playing) trains fewer iterations per
    frame in larger batches, so everyone keeps a moving picture: graceful, per session, no
    shared state. The run itself is unchanged: iteration N is the same however it is reached."""
    scale = st.session_state.get(K.PLAY_SCALE, START_SCALE)
    return max(1, round(cfg.speed * scale)), BUSY_FRAMES if busy() else FRAMES_PER_BATCH


def busy():
    """This session is playing and its batches ran slow enough to push it below its starting
    speed: the server is shared by many."""
    return bool(st.session_state.get(K.PLAYING)) and st.session_state.get(K.PLAY_SCALE, START_SCALE) < START_SCALE


def grid_size():
    return BUSY_GRID if busy() else GRID


def figure(key, build):
    """The Plotly figure for ``key``: built on every run, except while playing, where the last
    one is shown again for up to REFRESH seconds (BUSY_REFRESH on a busy server): the live view
    above is what moves, and a batch of frames comes several times a second."""
    cache = st.session_state.setdefault(K.FIGURES, {})
    kept = cache.get(key)
    refresh = BUSY_REFRESH if busy() else REFRESH
    if kept is not None and st.session_state.get(K.PLAYING) and time.monotonic() - kept[0] < refresh:
        return kept[1]
    fig = build()
    cache[key] = (time.monotonic(), fig)
    return fig


def adapt(elapsed, frames):
    """After a batch of ``frames`` took ``elapsed`` seconds of wall time (the wait for BATCH_LOCK
    included: that is where other sessions show), aim to spend at most half of the time those
    frames play for."""
    ss = st.session_state
    room = 0.5 * frames / FPS / max(elapsed, 1e-3)
    # Grow only with a clear margin (a speed that just fits would make every late batch a stall).
    grow = 2.0 if room > 3 else 1.25 if room > 1.5 else min(1.0, room)
    ss[K.PLAY_SCALE] = min(1.0, max(0.01, ss.get(K.PLAY_SCALE, START_SCALE) * grow))


def frame(snapshot_network, iteration, record, window, grid):
    """One live-view frame: class probabilities over the window (grid x grid), and the numbers."""
    probs = nncore.probability_grid(snapshot_network, window[0], window[1], grid)
    test = np.isfinite(record["test_loss"])
    return {"iteration": iteration, "probs": encode_probs(probs), "loss": record["loss"],
            "acc": record["accuracy"], "test_loss": record["test_loss"] if test else None,
            "test_acc": record["test_accuracy"] if test else None}


def payload(frames, trainer, cfg, *, grid, playing, show_test, presentation):
    """The live view's data: points once per run, frames, and the loss history before them (and,
    after a Pause, the request to stop on the frame on screen)."""
    window = window_of(trainer)
    first = frames[0]["iteration"] if frames else trainer.iteration
    h = trainer.history(upto=first - 1, max_points=HISTORY_POINTS)
    points_x, points_c = [trainer.X], [trainer.y]
    if show_test and trainer.X_test is not None:
        points_x.append(trainer.X_test)
        points_c.append(trainer.y_test)
    P, C = np.concatenate(points_x), np.concatenate(points_c)
    test_flag = np.r_[np.zeros(len(trainer.X), int), np.ones(len(P) - len(trainer.X), int)]
    return {
        "seq": int(st.session_state.get(K.SEQ, 0)), "playing": playing, "fps": FPS,
        "grid": {"w": grid, "h": grid, "x0": window[0][0], "x1": window[0][1], "y0": window[1][0],
                 "y1": window[1][1]},
        "classes": cfg.classes,
        "points": {"x": np.round(P[:, 0], 4).tolist(), "y": np.round(P[:, 1], 4).tolist(), "c": C.tolist(),
                   "test": test_flag.tolist()},
        "frames": frames,
        "history": {"it": h["iteration"].tolist(), "loss": h["loss"].tolist(),
                    "test_loss": [None if not np.isfinite(v) else v for v in h["test_loss"]]},
        "presentation": presentation, "log_y": True, "hold": K.PAUSE in st.session_state,
    }


def optimizer_label(optimizer):
    """"SGD: learning_rate 1, decay 0, momentum 0": every setting, for a legend."""
    settings = optimizer.get_hyperparameters().items()
    return f"{type(optimizer).__name__}: " + ", ".join(f"{k} {v:g}" for k, v in settings)


def window_of(trainer):
    return data.bounds(np.r_[trainer.X, trainer.X_test] if trainer.X_test is not None else trainer.X)


def compare_runs(optimizer_name, learning_rate, iteration, cap, max_points=1500):
    """Histories (up to ``iteration``, about ``max_points`` rows) and snapshots at ``iteration``
    of the session's run (A) and of run B: A's
    data, initial weights and batches, with ``optimizer_name`` at ``learning_rate`` and that
    optimizer's own defaults otherwise. B's trainer is kept in the session and trained further
    only as needed. None beyond ``cap`` iterations."""
    if iteration > cap:
        return None
    ss = st.session_state
    a = ss[K.TRAINER]
    key = (ss.get(K.BUILD), optimizer_name, learning_rate)
    kept = ss.get(K.COMPARE + ".trainer")
    if kept is None or kept[0] != key:
        b = nncore.Trainer(copy.deepcopy(a.snapshot(0).network),
                           nncore.OPTIMIZERS[optimizer_name](learning_rate=learning_rate), a.X, a.y,
                           X_test=a.X_test, y_test=a.y_test, batch_size=a.batch_size, seed=a.seed)
        kept = ss[K.COMPARE + ".trainer"] = (key, b)
    b = kept[1]
    if b.iteration < iteration:
        try:
            b.step(iteration - b.iteration)
        except nncore.DivergenceError:
            pass  # B stops at its last good iteration; its curve ends there
    at = min(iteration, b.iteration)  # B's curve ends at its last good iteration if it diverged
    return ((a.history(upto=iteration, max_points=max_points, keep=(iteration,)), a.snapshot(iteration)),
            (b.history(upto=at, max_points=max_points, keep=(at,)), b.snapshot(at)))
