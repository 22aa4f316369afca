"""Tab: the loss over a plane through the weights on screen, with the optimizer's path projected
on it (and run B's, from the "Compare two runs" tab). Computed by nncore.landscape when not playing
(the tabs step aside while playing), row by row so that a click on Play stops it, and kept per run."""

import numpy as np
import streamlit as st

from nncore import landscape
from ui import figures
from ui.controls import presentation
from ui.playground import compare
from ui.state import K

PLANES = {"random": "Two random directions", "weights": "Two chosen parameters"}
SPANS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
PATH_POINTS = 150   # iterations drawn on a path at most: all of a short run, the checkpoints of a long one
KEEP = 6            # landscapes kept in a session (a 41 x 41 grid is 13 KB)


def path_iterations(trainer, upto, network, n_samples):
    """The iterations a path is drawn through: every one of a short run whose replay is cheap, else
    the checkpoints (read as stored, free) and ``upto``, evenly thinned to PATH_POINTS."""
    macs = n_samples * sum(layer.weights.size for layer in network.dense_layers)
    if upto < PATH_POINTS and 3 * macs * upto < 2e9:  # a step is about three forward passes
        return list(range(upto + 1))
    points = [c for c in trainer.checkpoint_iterations if c < upto] + [upto]
    if len(points) > PATH_POINTS:
        keep = np.unique(np.linspace(0, len(points) - 1, PATH_POINTS).astype(int))
        points = [points[k] for k in keep]
    return points


def parameter_picker(axis, net, default):
    """Layer, neuron j and input i (or the bias) of one axis's parameter: (name, index, label)."""
    keys = layer_key, neuron_key, input_key = [K.landscape_axis(axis, part) for part in ("layer", "neuron", "input")]
    for key, value in zip(keys, default):
        st.session_state.setdefault(key, value)
    layers = [d.name for d in net.dense_layers]
    layer = st.selectbox("Layer", layers, key=layer_key)
    dense = net.dense_layers[layers.index(layer)]
    j = st.selectbox("Neuron j", range(dense.n_neurons), key=neuron_key) if dense.n_neurons > 1 else 0
    # The first layer's inputs by name (x1, x2, the features); a later layer's are neurons of the one before.
    source = net.input_labels if dense is net.dense_layers[0] else [f"neuron {i}" for i in range(dense.n_inputs)]
    inputs = [f"w[{i},{j}] (from {source[i]})" for i in range(dense.n_inputs)] + [f"b[{j}] (bias)"]
    choice = st.selectbox("Parameter", range(len(inputs)), format_func=inputs.__getitem__, key=input_key)
    j, choice = min(int(j), dense.n_neurons - 1), min(int(choice), dense.n_inputs)
    if choice == dense.n_inputs:
        return f"{layer}.biases", (0, j), f"{layer}.b[{j}]"
    return f"{layer}.weights", (choice, j), f"{layer}.w[{choice},{j}]"


def plane(net):
    """(d1, d2, axis titles, what the plane is, its cache key) from the controls."""
    a, b = st.columns([3, 2])
    kind = a.segmented_control("Plane through the weights on screen", list(PLANES), format_func=PLANES.get,
                               default="random", key=K.LANDSCAPE_PLANE, required=True)
    if kind == "random":
        seed = int(b.number_input("Directions' seed", 0, 2**31 - 1, value=0, key=K.LANDSCAPE_SEED))
        rng = np.random.default_rng(seed)
        d1, d2 = landscape.filter_normalized_directions(net, rng), landscape.filter_normalized_directions(net, rng)
        return d1, d2, ("α (direction 1)", "β (direction 2)"), f"random directions of seed {seed}", ("random", seed)
    # Start on the neuron of the first layer that is learning most: its first two incoming weights.
    first = net.dense_layers[0]
    j = int(np.argmax(np.linalg.norm(first.dweights, axis=0)))
    defaults = {"p": (first.name, j, 0), "q": (first.name, j, 1 if first.n_inputs > 1 else first.n_inputs)}
    picked = []
    for axis, col, title in zip("pq", st.columns(2), ("Horizontal axis", "Vertical axis")):
        with col:
            st.markdown(f"**{title}**")
            with st.container(horizontal=True):
                picked.append(parameter_picker(axis, net, defaults[axis]))
    if picked[0][:2] == picked[1][:2]:
        st.info("Pick two different parameters: the plane needs two directions.")
        return None
    d1, d2 = (landscape.coordinate_direction(net, name, index) for name, index, _ in picked)
    return d1, d2, (f"Δ {picked[0][2]}", f"Δ {picked[1][2]}"), "two chosen parameters", \
        ("weights", *(p[:2] for p in picked))


def compute(pg, snap, d1, d2, span, run_b):
    """The landscape and paths of ``snap``'s iteration: a dict for figures.landscape."""
    trainer, view, net = pg.trainer, snap.iteration, snap.network
    X, y = trainer.X, trainer.y
    origin = net.get_parameters()
    paths = []
    for name, t, upto in (("run A", trainer, view),) + run_b:
        its = path_iterations(t, upto, net, len(X))
        xy = landscape.project(t.parameter_path(its), origin, d1, d2)
        paths.append({"name": name, "xy": xy, "iterations": np.array(its),
                      "losses": np.array([t.record(it)["loss"] for it in its])})
    reach = max(float(np.abs(p["xy"]).max()) for p in paths)
    span = max(span, 1.1 * reach)  # the whole path on the picture
    n = landscape.grid_side(net, len(X))
    axis = np.linspace(-span, span, n)
    loss = np.empty((n, n))
    bar = st.progress(0.0, text=f"Computing the landscape: {n} x {n} forward passes on {len(X)} samples")
    for i in range(n):  # a row at a time: each progress update lets a click (Play) stop the work
        loss[i] = landscape.plane_losses(net, X, y, d1, d2, axis, axis[i:i + 1])[0]
        bar.progress((i + 1) / n, text=f"Computing the landscape: row {i + 1} of {n}")
    bar.empty()
    return {"x": axis, "y": axis, "loss": loss, "paths": paths}


def show(pg, snap):
    trainer, view, net = pg.trainer, snap.iteration, snap.network
    chosen = plane(net)
    if chosen is None:
        return
    d1, d2, titles, what, plane_key = chosen
    a, b = st.columns([3, 2])
    span = a.select_slider("Half-width of the square (in units of the directions)", SPANS, value=1.0,
                           key=K.LANDSCAPE_SPAN)
    kept = st.session_state.get(K.COMPARE_TRAINER)
    run_b, b_key = (), None
    if kept is not None and kept[0][0] == st.session_state.get(K.BUILD):
        if b.toggle("Run B's path too", key=K.LANDSCAPE_B, help="Run B of the Compare two runs tab, on the same "
                    "plane: the same directions and origin, so the two paths can be compared"):
            _, optimizer, lr = kept[0]
            if pg.compare_runs(optimizer, lr, view, cap=compare.CAP) is not None:  # trains B to the view
                run_b_trainer = st.session_state[K.COMPARE_TRAINER][1]
                run_b = (("run B", run_b_trainer, min(view, run_b_trainer.iteration)),)
                b_key = (kept[0], run_b_trainer.iteration)
    weights = hash(tuple(array.tobytes() for pair in net.get_parameters() for array in pair))
    key = (st.session_state.get(K.BUILD), view, weights, plane_key, span, b_key)
    cache = st.session_state.setdefault(K.LANDSCAPE, {})
    if key not in cache:
        cache[key] = compute(pg, snap, d1, d2, span, run_b)
        while len(cache) > KEEP:
            del cache[next(iter(cache))]  # the oldest
    got = cache[key]
    chart, words = st.columns([3, 2], gap="large")
    chart.plotly_chart(figures.landscape(got["x"], got["y"], got["loss"], got["paths"], axis_titles=titles,
                                         log=True, title=f"Loss around iteration {view}<br><sup>{what}</sup>",
                                         big=presentation()), width="stretch")
    if presentation():  # the essentials, in type a projector can show
        words.markdown("The loss at θ + α·d1 + β·d2, θ the weights on screen (the centre). White: the path of "
                       "the training, projected on this plane." + (" Orange: run B's." if run_b else ""))
        return
    n, centre = len(got["x"]), got["loss"][len(got["y"]) // 2, len(got["x"]) // 2]
    batch = trainer.batch_size < len(trainer.X)
    notes = [f"The data loss on all {len(trainer.X)} training samples (without the L1/L2 penalty) at "
             "θ + α·d1 + β·d2, θ the weights on screen at the centre, on a "
             f"{n} × {n} grid." + (f" At the centre it is {centre:.6g}; the loss on screen and the path's are each "
                                   f"iteration's batch of {trainer.batch_size}." if batch else "")]
    if plane_key[0] == "random":
        notes.append("d1 and d2: random Gaussian directions, each neuron's slice (its incoming weights and bias) "
                     "scaled to the norm of that neuron's weights (Li et al. 2018), so α = 1 moves every neuron by "
                     "its own size. The path is each iteration's weights projected on the plane (least squares: "
                     "the directions are not orthogonal); random directions are nearly orthogonal to it in this "
                     "many dimensions, so its shadow is short, and the colour under a past point is not that "
                     "iteration's loss (hover the path for it).")
    else:
        notes.append("Only the two parameters change across the plane; every other stays at its value on screen. "
                     "The path shows how those two moved; the colour under a past point is not that iteration's "
                     "loss, since the others moved too (hover the path for it).")
    words.caption(" ".join(notes))
