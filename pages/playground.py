"""The playground: train a network, step, play, rewind, and inspect every gradient."""

import time

import numpy as np
import pandas as pd
import streamlit as st

import nncore
import nncore.io as nio
from nncore.datasets import CLASS_RANGE
from ui import export, figures, session
from ui.boot import require_app
from ui.controls import HELP, big, plain
from ui.live import live_view
from ui.state import (
    BOUNDS,
    CUSTOM,
    DATASETS,
    HIDDEN_ACTIVATIONS,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    OUTPUTS,
    PRESETS,
    SPEEDS,
    Config,
    K,
)

require_app(__file__)

ss = st.session_state
W = K.W
OPTIMIZER_LABELS = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}


# ---------------------------------------------------------------- config <-> widgets
def put_widgets(cfg, only_missing=False):
    """Write ``cfg`` into the sidebar widgets' session-state values (before they are drawn).
    ``only_missing``: just the values Streamlit dropped because their widget was not drawn last
    run (another optimizer's settings, a removed layer, the sliders hidden for your own data)."""
    values = {W + name: value for name, value in cfg.as_dict().items() if name != "hidden"}
    values[W + "n_hidden"] = len(cfg.hidden)
    for i in range(MAX_HIDDEN_LAYERS):
        n, act = cfg.hidden[i] if i < len(cfg.hidden) else (8, "relu")
        values[W + f"neurons{i}"], values[W + f"act{i}"] = n, act
    for key, value in values.items():
        if not only_missing or key not in ss:
            ss[key] = value


def widgets_config():
    """The Config the sidebar widgets describe, made valid (and what had to change). A setting whose
    widget was not drawn last run (another optimizer's, the sliders hidden for your own data) has
    been dropped by Streamlit: a fragment rerun, which draws no sidebar, takes the last config's."""
    last = ss.get(K.CONFIG, Config()).as_dict()
    values = {name: ss.get(W + name, value) for name, value in last.items() if name != "hidden"}
    values["hidden"] = tuple((int(ss[W + f"neurons{i}"]), ss[W + f"act{i}"]) for i in range(ss[W + "n_hidden"]))
    return Config(**values).validated()


def apply_preset():
    put_widgets(PRESETS[ss[K.PRESET]])


def new_weights():
    ss[W + "weight_seed"] = (ss[W + "weight_seed"] + 1) % (2**31 - 1)


def use_custom_data(X, y, what):
    ss[K.CUSTOM_DATA] = (X, y)
    ss[W + "dataset"] = CUSTOM
    ss.pop(K.TRAINER, None)  # new data: a new run
    ss[K.NOTICE] = ("info", f"{what}: training restarted at iteration 0.")


def on_csv():
    upload = ss[K.UPLOAD_CSV]
    if upload is None:
        return
    try:
        X, y = nncore.datasets.from_csv(upload.getvalue())
    except ValueError as err:
        ss[K.NOTICE] = ("warning", f"{upload.name} was not loaded: {err}. Your run is unchanged.")
        return
    use_custom_data(X, y, f"Loaded {len(X)} points in {int(y.max()) + 1} classes from {upload.name}")


def on_weights_upload():
    upload = ss[K.UPLOAD_WEIGHTS]
    if upload is None:
        return
    error = session.load_weights(upload.name, upload.getvalue())
    ss[K.NOTICE] = (("warning", f"Not loaded — {error}. Your run is unchanged.") if error else
                    ("info", f"Loaded the weights from {upload.name}: a new run starts from them at iteration 0."))


if K.CONFIG not in ss:  # first run of this session: the URL may carry a config
    cfg_from_url, notes = Config.from_query(st.query_params.to_dict())
    put_widgets(cfg_from_url)
    ss[K.URL_NOTES] = notes
else:
    put_widgets(ss[K.CONFIG], only_missing=True)

# ---------------------------------------------------------------- sidebar
sb = st.sidebar
sb.selectbox("Preset", list(PRESETS), index=None, placeholder="Choose a preset…", key=K.PRESET,
             on_change=apply_preset)
with sb.expander("Data", expanded=not big()):
    custom = ss.get(K.CUSTOM_DATA)
    choices = DATASETS + ((CUSTOM,) if custom is not None else ())
    if ss[W + "dataset"] not in choices:
        ss[W + "dataset"] = DATASETS[0]
    st.selectbox("Dataset", choices, key=W + "dataset",
                 format_func=lambda d: f"your data ({len(custom[0])} points)" if d == CUSTOM else d)
    if ss[W + "dataset"] == CUSTOM:
        ss[W + "classes"] = int(custom[1].max()) + 1
    else:
        lo, hi = CLASS_RANGE[ss[W + "dataset"]]
        ss[W + "classes"] = min(max(ss[W + "classes"], lo), hi)
        if lo < hi:
            st.slider("Classes", lo, hi, key=W + "classes")
        st.slider("Samples per class", *BOUNDS["samples"][1:], key=W + "samples")
        st.slider("Noise", 0.0, 1.0, step=0.01, key=W + "noise")
    st.slider("Test fraction", 0.0, 0.5, step=0.05, key=W + "test_fraction")
    st.number_input("Data seed", 0, BOUNDS["data_seed"][2], key=W + "data_seed",
                    help="Draws the data (and the train/test split)")
    st.file_uploader("Your own data: a CSV with columns x1, x2, label", type=["csv"], key=K.UPLOAD_CSV,
                     on_change=on_csv, help=f"At most {nncore.datasets.MAX_CSV_ROWS} rows, 2-5 classes")
with sb.expander("Model", expanded=not big()):
    st.slider("Hidden layers", 0, MAX_HIDDEN_LAYERS, key=W + "n_hidden")
    for i in range(ss[W + "n_hidden"]):
        a, b = st.columns(2)
        a.number_input(f"Layer {i + 1} neurons", 1, MAX_NEURONS, key=W + f"neurons{i}")
        b.selectbox(f"Layer {i + 1} activation", HIDDEN_ACTIVATIONS, key=W + f"act{i}")
    outputs = OUTPUTS if ss[W + "classes"] == 2 else ("softmax",)
    if ss[W + "output"] not in outputs:
        ss[W + "output"] = "softmax"
    st.selectbox("Output", outputs, key=W + "output",
                 format_func={"softmax": "softmax + categorical cross-entropy",
                              "sigmoid": "sigmoid + binary cross-entropy"}.get)
    a, b = st.columns(2)
    a.number_input("L1", 0.0, 1.0, step=1e-4, format="%.5f", key=W + "l1")
    b.number_input("L2", 0.0, 1.0, step=1e-4, format="%.5f", key=W + "l2")
    st.number_input("Weight seed", 0, BOUNDS["weight_seed"][2], key=W + "weight_seed")
with sb.expander("Training", expanded=not big()):
    st.selectbox("Optimizer", list(OPTIMIZER_LABELS), format_func=OPTIMIZER_LABELS.get, key=W + "optimizer")
    st.number_input("Learning rate", 0.0, 1e6, step=0.001, format="%.5g", key=W + "learning_rate")
    st.number_input("Decay", 0.0, 1.0, step=1e-7, format="%.3g", key=W + "decay")
    opt = ss[W + "optimizer"]
    if opt == "sgd":
        st.number_input("Momentum", 0.0, 0.999, step=0.05, key=W + "momentum")
    if opt in ("adagrad", "rmsprop", "adam"):
        st.number_input("Epsilon", 1e-12, 1.0, step=1e-7, format="%.1e", key=W + "epsilon")
    if opt == "rmsprop":
        st.number_input("Rho", 0.0, 0.9999, step=0.01, format="%.4f", key=W + "rho")
    if opt == "adam":
        st.number_input("Beta 1", 0.0, 0.9999, step=0.01, format="%.4f", key=W + "beta_1")
        st.number_input("Beta 2", 0.0, 0.99999, step=0.001, format="%.5f", key=W + "beta_2")
    st.number_input("Batch size (0 = full batch)", 0, BOUNDS["batch_size"][2], key=W + "batch_size")
with sb.expander("Play", expanded=False):
    st.select_slider("Iterations per frame", SPEEDS, key=W + "speed")
    st.number_input("Stop at iteration", 1, BOUNDS["stop_at"][2], key=W + "stop_at")

cfg, fixes = widgets_config()
trainer = session.ensure_trainer(cfg)

with sb.expander("Save, load, share", expanded=False):
    link = session.share_link(cfg)
    st.caption("Share link: the same data, model, settings and seeds; the same run, bit for bit"
               + (" (your own data and uploaded weights are not in a link)" if cfg.dataset == CUSTOM
                  or ss.get(K.START_WEIGHTS) else ""))
    st.code(link, language=None, wrap_lines=True)
    tr = ss[K.TRAINER]
    st.download_button("Weights (.json)", lambda: nio.to_json(tr.snapshot(session.view()).network),
                       file_name="weights.json", mime="application/json", width="stretch")
    st.download_button("Weights (.npz)", lambda: nio.to_npz(tr.snapshot(session.view()).network),
                       file_name="weights.npz", mime="application/octet-stream", width="stretch")
    st.download_button("Training history (.csv)", lambda: export.history_csv(tr.history()),
                       file_name="history.csv", mime="text/csv", width="stretch",
                       help=f"A row per iteration for the latest {tr.max_rows // 2:,} trained; older ones thinned "
                            "evenly (memory stays bounded however long a run plays)")
    st.download_button("Python script of this run", lambda: export.script(cfg, tr.schedule(), tr.iteration),
                       file_name="backprop_lab_run.py", mime="text/x-python", width="stretch",
                       disabled=cfg.dataset == CUSTOM or bool(ss.get(K.START_WEIGHTS)),
                       help="Rebuilds this run with nncore (not available for your own data or uploaded weights)")
    st.file_uploader("Continue from weights (.json or .npz)", type=["json", "npz"], key=K.UPLOAD_WEIGHTS,
                     on_change=on_weights_upload, help="They must fit the current architecture")
session.sync_url(cfg)

# ---------------------------------------------------------------- main area
st.title("Playground")
if ss.get(K.URL_NOTES):
    st.info(plain("Some settings in the link were ignored: " + "; ".join(ss[K.URL_NOTES])))
for fix in fixes:
    st.info(plain(fix))


def on_step(n):
    ss[K.PLAYING] = False
    session.advance(n)


def on_play(playing):
    """Play or Pause, by what the button said, not a toggle: a click the browser re-sends with
    a frame request that overtakes its run must not undo itself."""
    if not playing:
        session.pause()
    elif not ss.get(K.PLAYING):
        ss.pop(K.PAUSE, None)
        session.branch_here()
        ss[K.VIEW] = ss[K.TRAINER].iteration
        ss[K.PLAY_SCALE] = session.START_SCALE
        ss[K.PLAYING] = True


def on_paused_at():
    session.paused_at((ss.get(K.LIVE) or {}).get("paused_at"))


def on_rewind():
    # Streamlit also calls this when the browser merely echoes a value the server set (the slider
    # follows play): only a real move pauses, so what is on screen is that iteration.
    if ss[K.VIEW_SLIDER] != session.view():
        ss[K.PLAYING] = False
        ss[K.VIEW] = ss[K.VIEW_SLIDER]


def on_reset():
    ss[K.PLAYING] = False
    session.rewind(0)
    ss[K.VIEW] = 0
    ss[K.NOTICE] = ("info", "Reset to iteration 0: the same initial weights.")


TABS = ["Loss and accuracy", "Gradient inspector", "Network", "Gradient norms", "One weight", "Compare two runs",
        "Draw your data"]
TOUR = [
    "**Welcome.** Press **Step** (or the → key): one iteration — forward pass, backward pass, update. "
    "Watch *Iteration N* and the loss change.",
    "Below the live view, open **Gradient inspector**: dL/dW and dL/db of every layer at this iteration, the "
    "gradient the next update uses. **One weight** proves a single gradient against finite differences.",
    "The **decision boundary** (left) shades each region by the network's class probabilities. Press **Play** "
    "(Space) to watch it learn; drag **Rewind** to go back to any iteration.",
]


def tour():
    """A short, dismissible first-visit tour (once per session)."""
    step = ss.setdefault(K.TOUR, 0)
    if step is None or big():  # a projector shows the essentials only
        return
    with st.container(border=True):
        st.markdown(f"**Tour {step + 1}/{len(TOUR)}** · " + TOUR[step])
        a, b, _ = st.columns([1, 1, 4])
        if step + 1 < len(TOUR):
            a.button("Next", key=K.TOUR + ".next", on_click=ss.__setitem__, args=(K.TOUR, step + 1))
        b.button("Got it" if step + 1 == len(TOUR) else "Skip tour", key=K.TOUR + ".skip",
                 on_click=ss.__setitem__, args=(K.TOUR, None))


@st.fragment
def workspace():
    # A control inside changed the config (New weights) or the data (a drawn point drops the run):
    # the sidebar and the run are rebuilt by a full rerun.
    if K.TRAINER not in ss or widgets_config()[0] != ss[K.CONFIG]:
        st.rerun(scope="app")
    trainer = ss[K.TRAINER]
    cfg = ss[K.CONFIG]
    playing = ss.get(K.PLAYING, False)
    tour()

    # Train this batch first, so the buttons below show what is true after it (Play after a divergence).
    frames = []
    if playing:
        if trainer.iteration >= cfg.stop_at:
            ss[K.PLAYING] = playing = False
            ss[K.NOTICE] = ("info", f"Stopped at iteration {trainer.iteration} (Play → Stop at iteration).")
        else:
            window = session.window_of(trainer)
            grid = session.grid_size()
            per_frame, batch = session.play_plan(cfg)
            started = time.perf_counter()
            with session.BATCH_LOCK:
                for _ in range(batch):
                    session.advance(min(per_frame, cfg.stop_at - trainer.iteration))  # may stop play (divergence)
                    frames.append(session.frame(trainer.network, trainer.iteration, trainer.record(), window,
                                                grid))
                    if trainer.iteration >= cfg.stop_at:
                        ss[K.PLAYING] = False
                    if not ss[K.PLAYING]:
                        break
            session.adapt(time.perf_counter() - started, len(frames))
            playing = ss[K.PLAYING]
            ss[K.SEQ] = ss.get(K.SEQ, 0) + 1
    c = st.columns(5)
    c[0].button("Step", on_click=on_step, args=(1,), help=HELP["step"], shortcut="Right", width="stretch")
    c[1].button("Step x10", on_click=on_step, args=(10,), help=HELP["step10"], shortcut="Shift+Right",
                width="stretch")
    c[2].button("Pause" if playing else "Play", on_click=on_play, args=(not playing,), help=HELP["play"],
                shortcut="Space",
                type="primary", width="stretch")
    c[3].button("Reset", on_click=on_reset, help=HELP["reset"], shortcut="Home", width="stretch")
    c[4].button("New weights", on_click=new_weights, help="Draw other initial weights (next weight seed)",
                width="stretch")

    if trainer.iteration > 0:
        ss[K.VIEW_SLIDER] = session.view()
        st.slider("Rewind to iteration", 0, trainer.iteration, key=K.VIEW_SLIDER,
                  on_change=on_rewind,
                  help="Drag to any past iteration; Step or Play continues from there")
    view = session.view()
    snap = trainer.snapshot(view)

    note = ss.pop(K.NOTICE, None)
    if note:
        (st.warning if note[0] == "warning" else st.info)(plain(note[1]))
    st.subheader(f"Iteration {view}")
    if playing:
        per_frame = session.play_plan(cfg)[0]
        st.caption("Playing: computed up to here; the live view below animates toward it."
                   + (f" The server is busy: {per_frame} iterations per frame instead of {cfg.speed}."
                      if per_frame < cfg.speed else ""))
    rec = snap.record
    test_text = (f" · test loss {rec['test_loss']:.4f}, accuracy {rec['test_accuracy']:.1%}"
                 if np.isfinite(rec["test_loss"]) else "")
    st.markdown(f"loss **{rec['loss']:.4f}** (+ regularisation {rec['regularization_loss']:.4g}) · "
                f"accuracy **{rec['accuracy']:.1%}**{test_text} · learning rate {rec['learning_rate']:.4g}"
                + (f" · viewing the past: iterations {view + 1}–{trainer.iteration} are dropped if you step "
                   "or play from here" if view < trainer.iteration else ""))

    if not frames:
        grid = session.grid_size()
        frames = [session.frame(snap.network, view, rec, session.window_of(trainer), grid)]
    show_test = st.toggle("Show test points (hollow)", key=K.SHOW_TEST) if trainer.X_test is not None else False
    live_view(session.payload(frames, trainer, cfg, grid=grid, playing=playing, show_test=show_test,
                              presentation=big()),
              key=K.LIVE, on_paused_at=on_paused_at, height=560 if big() else 430)

    details(trainer, snap, view)


def details(trainer, snap, view):
    h = trainer.history(max_points=2000, keep=(view,))
    its = h["iteration"]
    net = snap.network
    layers = [layer.name for layer in net.dense_layers]
    # Lazy tabs: only the open one runs, so a playing session builds one or two Plotly figures per
    # batch of frames, not seven.
    t_curves, t_grad, t_net, t_norms, t_weight, t_compare, t_draw = st.tabs(TABS, key=K.TAB, on_change="rerun")
    if t_curves.open:
        a, b = st.columns(2)
        # With mini-batches each row holds its batch's numbers, not the whole training set's.
        part = "batch" if trainer.batch_size < len(trainer.X) else "train"
        a.plotly_chart(session.figure("loss", lambda: figures.loss_curve(
            its, {f"{part} loss": h["loss"], "test loss": h["test_loss"]}, view, title="Loss", big=big())))
        b.plotly_chart(session.figure("accuracy", lambda: figures.loss_curve(
            its, {f"{part} accuracy": h["accuracy"], "test accuracy": h["test_accuracy"]}, view,
            title="Accuracy", log_y=False, big=big())))
    if t_grad.open:
        name = st.selectbox("Layer", layers, key=K.INSPECT_LAYER)
        W_, dW = net[f"{name}.weights"], net[f"{name}.dweights"]
        b_, db = net[f"{name}.biases"], net[f"{name}.dbiases"]
        st.caption("Rows: input i, columns: neuron j. Gradients at this iteration's weights, on its batch: what "
                   "the next update uses (plain SGD moves each weight by −learning rate × dL/dw; momentum, Adagrad, "
                   "RMSprop and Adam rescale it first). Hover for exact values.")
        st.plotly_chart(session.figure(f"inspect.{name}", lambda: figures.gradient_inspector(W_, dW, b_, db, layer=name,
                                                                                     big=big())))
        if st.toggle("Show as a table", key=K.INSPECT_LAYER + ".table"):
            a, b = st.columns(2)
            a.dataframe(pd.DataFrame(W_, index=[f"x{i}" for i in range(len(W_))]).style.format("{:.6g}"))
            b.dataframe(pd.DataFrame(dW, index=[f"x{i}" for i in range(len(dW))]).style.format("{:.6g}"))
    if t_net.open:
        mode = st.segmented_control("Edge width", ["|w|", "|dL/dw|"], default="|w|", key=K.EDGE_MODE,
                                    required=True)
        sizes = [net.n_inputs] + [layer.n_neurons for layer in net.dense_layers]
        weights = [layer.weights for layer in net.dense_layers]
        values = weights if mode == "|w|" else [layer.dweights for layer in net.dense_layers]
        st.plotly_chart(session.figure(f"network.{mode}", lambda: figures.network_diagram(
                            sizes, weights, edge_values=values, edge_label=mode, big=big())))
    if t_norms.open:
        st.plotly_chart(session.figure("norms", lambda: figures.gradient_norms(
            its, {n: h[f"grad_norm.{n}"] for n in layers}, view, big=big())))
        st.caption("‖dL/dW‖ per layer. Falling by orders of magnitude toward the input layers: vanishing "
                   "gradients (try 4 sigmoid layers). Growing without bound: exploding (try a huge learning rate).")
    if t_weight.open:
        weight_drilldown(trainer, snap, view, layers)
    if t_compare.open:
        compare(trainer, view)
    if t_draw.open:
        draw(trainer)


def compare(trainer, view):
    """The same data and initial weights, other optimizer settings: both runs side by side."""
    st.caption("Run B starts from run A's initial weights, data and batches, with the optimizer and learning "
               "rate chosen here (that optimizer's defaults otherwise), and is trained to the iteration on screen "
               f"({view}).")
    a, b, c = st.columns(3)
    optimizer = a.selectbox("Run B optimizer", list(OPTIMIZER_LABELS), format_func=OPTIMIZER_LABELS.get,
                            key=K.COMPARE + ".optimizer")  # SGD first: the book's baseline
    lr = b.number_input("Run B learning rate", 0.0, 1e6, value=1.0, format="%.5g", key=K.COMPARE + ".lr")
    if not c.toggle("Show run B", key=K.COMPARE + ".on"):
        return
    runs = session.compare_runs(optimizer, lr, view, cap=5000)
    if runs is None:
        st.info("Comparison is limited to 5,000 iterations; rewind run A to compare there.")
        return
    (ha, sa), (hb, sb_) = runs
    label_a = "A: " + session.optimizer_label(trainer.optimizer)
    label_b = "B: " + session.optimizer_label(ss[K.COMPARE + ".trainer"][1].optimizer)
    st.plotly_chart(figures.loss_curve(None, {label_a: (ha["iteration"], ha["loss"]),
                                              label_b: (hb["iteration"], hb["loss"])}, view,
                                       title="Loss, both runs", big=big()))
    window = session.window_of(trainer)
    x, y = trainer.X, trainer.y
    cols = st.columns(2)
    for col, label, snap_ in ((cols[0], label_a, sa), (cols[1], label_b, sb_)):
        probs = nncore.probability_grid(snap_.network, window[0], window[1], 60)
        col.plotly_chart(figures.boundary(probs, window, x, y, title=f"Run {label[0]}: accuracy "
                                          f"{snap_.record['accuracy']:.1%}", big=big()))


def on_draw():
    event = ss[K.DRAW]
    points = [(p["x"], p["y"]) for p in event.selection.points if p.get("curve_number") == 0]
    if not points:
        return
    X, y = ss.get(K.CUSTOM_DATA) or (np.empty((0, 2)), np.empty(0, dtype=np.int64))
    X = np.vstack([X, np.array(points, dtype=float)])
    y = np.concatenate([y, np.full(len(points), ss[K.DRAW_CLASS], dtype=np.int64)])
    ss[K.CUSTOM_DATA] = (X, y)
    if len(np.unique(y)) >= 2:
        ss[W + "dataset"] = CUSTOM
        ss.pop(K.TRAINER, None)


def draw(trainer):
    st.caption("Make your own dataset: choose a class, click the plane. Once there are two classes, the run "
               "trains on your points (the sidebar's dataset becomes \"your data\").")
    a, b = st.columns([3, 1])
    a.segmented_control("Class", list(range(5)), format_func=lambda c: f"class {c}", default=0, required=True,
                        key=K.DRAW_CLASS)
    if b.button("Clear my points", width="stretch"):
        ss.pop(K.CUSTOM_DATA, None)
        if ss[W + "dataset"] == CUSTOM:
            ss[W + "dataset"] = DATASETS[0]
        st.rerun(scope="app")
    X, y = ss.get(K.CUSTOM_DATA) or (np.empty((0, 2)), np.empty(0, dtype=np.int64))
    window = ((-1.5, 1.5), (-1.5, 1.5))
    st.plotly_chart(figures.draw_canvas(X, y, window, big=big()), key=K.DRAW, on_select=on_draw,
                    selection_mode="points")


def weight_drilldown(trainer, snap, view, layers):
    net = snap.network
    a, b, c = st.columns(3)
    layer = a.selectbox("Layer", layers, key=K.WEIGHT + ".layer")
    shape = net[f"{layer}.weights"].shape
    # Start on a weight that is learning: the largest gradient of input 0.
    ss.setdefault(K.WEIGHT + ".j", int(np.argmax(np.abs(net[f"{layer}.dweights"][0]))))
    i = b.number_input("Input i", 0, shape[0] - 1, key=K.WEIGHT + ".i")
    j = c.number_input("Neuron j", 0, shape[1] - 1, key=K.WEIGHT + ".j")
    i, j = min(int(i), shape[0] - 1), min(int(j), shape[1] - 1)
    terms = nncore.network.weight_terms(net, layer, i, j)
    X, y = trainer.X[snap.batch], trainer.y[snap.batch]
    numerical = nncore.numerical_gradient(net, X, y, f"{layer}.weights", (i, j))
    err = nncore.relative_error(terms["dweight"], numerical)
    st.markdown(f"**w[{i}, {j}] = {net[f'{layer}.weights'][i, j]:.10g}** (input {i} → neuron {j} of {layer})")
    m = st.columns(3)
    m[0].metric("dL/dw (backprop)", f"{terms['dweight']:.10g}")
    m[1].metric("numerical (finite differences)", f"{numerical:.10g}")
    m[2].metric("relative error", f"{err:.1e}")
    st.latex(r"\frac{\partial L}{\partial w_{ij}} = \sum_{s} x_{si}\,\frac{\partial L}{\partial z_{sj}}"
             + (r" + \text{regularisation}" if terms["regularization_gradient"] else "")
             + rf" = {terms['data_gradient']:.10g}"
             + (rf" + {terms['regularization_gradient']:.6g}" if terms["regularization_gradient"] else ""))
    n = len(terms["x"])
    table = pd.DataFrame({"sample s": snap.batch[:n], "x_si": terms["x"], "dL/dz_sj": terms["dz"],
                          "x_si · dL/dz_sj": terms["products"]})
    st.caption(f"The chain-rule factors for the {n} samples of this iteration's batch "
               "(dL/dz already carries the 1/N of the mean loss):")
    st.dataframe(table, hide_index=True, height=240,
                 column_config={col: st.column_config.NumberColumn(format="%.6g") for col in table.columns[1:]})
    its, values, grads = trainer.parameter_trace(f"{layer}.weights", (i, j))
    st.plotly_chart(figures.weight_trace(its, values, grads, view, name=f"{layer}.w[{i},{j}]", big=big()))


workspace()
