"""Every page through Streamlit's AppTest: renders, steps, resets, rewinds, shows the notes' numbers."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import nncore
from tests import notes_numbers as notes
from ui.state import K

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def app(page=None, **query):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = str(v)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def walk(node):
    """The elements under ``node``, in page order."""
    for child in (getattr(node, "children", None) or {}).values():
        yield child
        yield from walk(child)


def stage(at):
    """The payload the playground's stage (the live component) was sent on the last run, or None."""
    component = next((e for e in walk(at._tree.main) if getattr(e, "type", None) == "bidi_component"), None)
    return None if component is None else json.loads(component.proto.json)


def iteration(at):
    """The one iteration number on screen: a lesson's heading, or the frame the playground's stage
    draws (the stage draws the number itself; the page then has no "Iteration" heading at all)."""
    heads = [h.value for h in at.subheader if h.value.startswith("Iteration ")]
    data = stage(at)
    if data is not None:
        assert heads == [] and not data["playing"], heads
        return data["frames"][-1]["iteration"]
    assert len(heads) == 1, heads
    return int(re.match(r"Iteration (\d+)", heads[0]).group(1))


def trained(at):
    """While playing: the stage plays frames up to the server's iteration (the browser draws each
    frame's own number) and the rewind slider reaches the trainer's iteration."""
    data = stage(at)
    assert data["playing"] and [h.value for h in at.subheader if h.value.startswith("Iteration")] == []
    return at.slider(key=K.REWIND_SLIDER).max


def button(at, label):
    return next(b for b in at.button if b.label == label)


def text(at):
    return "\n".join(m.value for m in at.markdown) + "\n".join(str(c.value) for c in at.caption)


def test_home_links_every_page():
    at = app()
    assert at.title[0].value == "Backprop Lab"
    assert {"/neuron", "/layer", "/playground"} <= set(re.findall(r"/\w+", "\n".join(c.value for c in at.caption)))


def test_neuron_steps_through_the_notes_numbers():
    # Iteration n is the state after n updates; the notes' loop prints it as "Iteration n+1".
    at = app("pages/neuron.py")
    assert iteration(at) == 0 and "`Iteration 1, Loss: 36.0`" in text(at)
    button(at, "Step").click().run()
    assert iteration(at) == 1 and f"`Iteration 2, Loss: {notes.NEURON_LOSSES[1]!r}`" in text(at)
    button(at, "Step x10").click().run()
    assert iteration(at) == 11 and f"`Iteration 12, Loss: {notes.NEURON_LOSSES[11]!r}`" in text(at)
    at.slider[0].set_value(199).run()
    assert iteration(at) == 199 and f"`Iteration 200, Loss: {notes.NEURON_LOSSES[199]!r}`" in text(at)
    at.slider[0].set_value(200).run()  # after the notes' last update: their final weights and bias
    assert iteration(at) == 200 and f"Final bias: {notes.NEURON_FINAL_BIAS!r}" in text(at)
    assert " ".join(str(w) for w in notes.NEURON_FINAL_WEIGHTS) in " ".join(text(at).split())
    button(at, "Reset").click().run()
    assert iteration(at) == 0
    assert not at.exception


def test_neuron_precision_switch_shows_exact_float64():
    at = app("pages/neuron.py")
    at.slider[0].set_value(199).run()
    at.segmented_control[0].set_value("float64").run()
    body = text(at)
    assert repr(notes.NEURON_LOSSES[199]) not in body
    assert re.search(r"Iteration 200, Loss: 0\.000195637", body)
    assert not at.exception


def test_neuron_chain_rule_and_numerical_gradient_table():
    at = app("pages/neuron.py")
    table = next(m.value for m in at.markdown if "lesson-table" in m.value and "numerical" in m.value)
    # Iteration 0: dL/dReLU = 2 * ReLU(6) = 12, dL/dw = 12 * x = [12, -24, 36], dL/db = 12; each whole, full on hover.
    for grad in ("12", "-24", "36"):
        assert f'title="{float(grad)!r}">{grad}</td>' in table
    assert re.search(r'title="11\.99999\d+|title="12\.0000\d+', table)  # the numerical estimate, to 1e-9
    assert any("12.0 \\cdot 1.0 \\cdot 1 \\cdot (1.0) \\\\ &= 12.0" in m.value for m in at.latex)


def test_layer_shows_both_printed_series():
    # The notes' layer loop counts from 0, as the app does: the same numbers carry the same label.
    at = app("pages/layer.py")
    assert iteration(at) == 0 and "`Iteration 0, Loss: 466.56000000000006`" in text(at)
    at.slider[0].set_value(20).run()
    assert f"`Iteration 20, Loss: {notes.LAYER_LOSSES_NOTES[1]!r}`" in text(at)
    at.slider[0].set_value(180).run()
    assert f"`Iteration 180, Loss: {notes.LAYER_LOSSES_NOTES[9]!r}`" in text(at)
    at.segmented_control[0].set_value("float64").run()
    assert f"`Iteration 180, Loss: {notes.LAYER_LOSSES_FLOAT64[9]!r}`" in text(at)
    button(at, "Step").click().run()
    assert iteration(at) == 181
    at.slider[0].set_value(200).run()
    assert "Final weights" in text(at)
    w_table = next(m.value for m in at.markdown if "lesson-table" in m.value)  # W, in the open tab
    shown = [float(v) for v in re.findall(r'title="([^"]+)"', w_table)]
    np.testing.assert_allclose(shown, np.ravel(notes.LAYER_FINAL_WEIGHTS_FLOAT64), rtol=0,
                               atol=notes.PRINTED_ARRAY_TOLERANCE + 1e-12)
    assert not at.exception


def playground(**query):
    return app("pages/playground.py", **query)


def loss_line(at):
    """The numbers the stage draws beside its iteration number."""
    f = stage(at)["frames"][-1]
    return f["loss"], f["acc"], f["test_loss"], f["test_acc"]


def test_playground_step_reset_and_rewind():
    at = playground()
    assert iteration(at) == 0
    first = loss_line(at)
    button(at, "Step").click().run()
    assert iteration(at) == 1 and loss_line(at) != first
    button(at, "Step x10").click().run()
    assert iteration(at) == 11
    eleven = loss_line(at)
    at.slider(key=K.REWIND_SLIDER).set_value(1).run()
    assert iteration(at) == 1 and "Viewing the past: iterations 2–11 are dropped" in text(at)
    at.slider(key=K.REWIND_SLIDER).set_value(11).run()
    assert loss_line(at) == eleven  # rewinding shows the past exactly as it was
    at.slider(key=K.REWIND_SLIDER).set_value(4).run()
    button(at, "Step").click().run()  # continues from the viewed iteration: a new branch
    assert iteration(at) == 5 and at.slider(key=K.REWIND_SLIDER).max == 5
    button(at, "Reset").click().run()
    assert iteration(at) == 0 and loss_line(at) == first
    assert not at.exception


def test_playground_play_trains_and_pause_stops():
    at = playground()
    at.session_state[K.TAB] = "Loss and accuracy"
    button(at, "Play").click().run()
    played = trained(at)
    assert played > 0  # one batch of frames per run (the browser asks for the next ones)
    while trained(at) < 1200:  # long enough that the live view's history is thinned
        at.run()  # each run is the live view asking for its next batch
        assert not at.exception
    played = trained(at)
    # While playing the open tab steps aside (the server is ahead of the stage's picture) ...
    assert not at.get("plotly_chart") and any(c.value.startswith("Playing: the stage above is live")
                                              for c in at.caption)
    button(at, "Pause").click().run()
    assert iteration(at) == played and [b for b in at.button if b.label == "Play"]
    # ... and is back on Pause, at the iteration on screen.
    loss_chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert loss_chart["layout"]["shapes"][0]["x0"] == played  # the marker line at the iteration on view


def test_a_busy_server_says_so_under_the_stage_and_plays_the_film_slower():
    at = playground()
    button(at, "Play").click().run()
    assert stage(at)["fps"] == 24 and not [c for c in at.caption if c.value.startswith("Busy server")]
    at.session_state[K.PLAY_SCALE] = 0.01  # as after batches that waited long for the batch lock
    at.run()
    data = stage(at)
    assert data["playing"] and data["fps"] == 12 and len(data["frames"]) == 48  # 2 s of film at 12 frames/s
    busy = [c.value for c in at.caption if c.value.startswith("Busy server")]
    assert busy == ["Busy server: 1 iteration per frame instead of 50, 12 frames per second instead of 24."]
    # Below the stage, never above it: the stage must not move when the server gets busy.
    order = [getattr(e, "type", None) if getattr(e, "type", None) == "bidi_component" else getattr(e, "value", None)
             for e in walk(at._tree.main)]
    assert order.index("bidi_component") < order.index(busy[0])
    assert not at.exception


def test_learning_rate_change_keeps_training_architecture_change_resets():
    at = playground()
    button(at, "Step x10").click().run()
    at.number_input(key=K.widget("learning_rate")).set_value(0.005).run()
    assert iteration(at) == 10 and any("from iteration 10, uses it" in i.value for i in at.info)
    at.slider(key=K.widget("n_hidden")).set_value(2).run()
    assert iteration(at) == 0 and any("restarted at iteration 0" in i.value for i in at.info)
    assert not at.exception


def test_divergence_stops_with_a_warning_and_keeps_the_last_good_iteration():
    # The L2 pull 2 * l2 * lr * w overshoots by a factor of 2e6 a step: it overflows within 30 iterations.
    at = playground(optimizer="sgd", learning_rate="1000000", momentum="0", l2="1", dataset="blobs")
    for _ in range(3):
        button(at, "Step x10").click().run()
    warning = stage(at)["message"]  # on the stage, where the student is looking
    assert "diverged" in warning and "smaller learning rate" in warning
    good = iteration(at)
    assert good < 30 and f"Iteration {good} is the last good state" in warning
    assert not at.exception


def test_a_bad_link_falls_back_with_a_visible_note():
    at = playground(samples="99999999", dataset="<script>alert(1)</script>", hidden="9999relu", learning_rate="nan",
                    noise="![x](http://example.invalid/x.png)")
    notes_shown = "\n".join(i.value for i in at.info)
    for name in ("samples", "dataset", "hidden", "learning\\_rate", "noise"):
        assert name in notes_shown
    # What the link said is shown as text: escaped, never a tag, an image or a link.
    assert "<script>" not in notes_shown and "\\<script\\>" in notes_shown
    assert "![x](" not in notes_shown and "\\!\\[x\\]\\(" in notes_shown
    assert iteration(at) == 0 and not at.exception


CONFIGS = [  # every dataset, optimizer and activation; 0 and 4 hidden layers; sigmoid output; mini-batch
    dict(dataset="spiral", hidden="none", optimizer="sgd"),
    dict(dataset="vertical", hidden="8relu-8tanh-8sigmoid-8linear", optimizer="adagrad"),
    dict(dataset="circles", classes=3, hidden="4tanh", optimizer="rmsprop", batch_size=32),
    dict(dataset="moons", classes=2, output="sigmoid", hidden="8sigmoid", optimizer="adam", l2="0.001"),
    dict(dataset="xor", classes=2, hidden="4linear-4relu-4relu-4relu", optimizer="sgd", momentum="0.5", l1="0.001"),
    dict(dataset="blobs", classes=5, hidden="128relu", optimizer="adam", test_fraction="0.5"),
]


@pytest.mark.parametrize("query", CONFIGS, ids=[c["dataset"] for c in CONFIGS])
def test_configuration_grid_renders_and_trains(query):
    at = playground(**query)
    assert not at.info or all("ignored" not in i.value for i in at.info)
    button(at, "Step x10").click().run()
    assert iteration(at) == 10
    at.session_state[K.TAB] = "Gradient inspector"
    at.run()
    for tab_layer in at.selectbox(key=K.INSPECT_LAYER).options:
        at.selectbox(key=K.INSPECT_LAYER).set_value(tab_layer).run()
    assert not at.exception


def test_presentation_mode_from_the_link_enlarges_the_charts():
    at = app(present=1)
    assert at.toggle(key=K.PRESENT).value is True
    for page in ("pages/neuron.py", "pages/layer.py"):  # their graph and loss curve are inline SVG
        at.switch_page(page).run()
        assert not at.exception
        fonts = [int(re.search(r'font-size="(\d+)"', m.value).group(1)) for m in at.markdown
                 if m.value.startswith("<svg")]
        assert len(fonts) == (2 if page == "pages/neuron.py" else 1) and min(fonts) >= 19, fonts  # else 15, 16
    at.switch_page("pages/playground.py")
    at.session_state[K.TAB] = "Loss and accuracy"
    at.run()
    assert not at.exception
    fonts = {json.loads(c.proto.spec)["layout"]["font"]["size"] for c in at.get("plotly_chart")}
    assert fonts == {20}, fonts


def test_presentation_mode_drops_the_transport_buttons_tooltips():
    # The mouse stays on the button just clicked; on a projector its tooltip covered the iteration number.
    for present, expected in ((0, "One iteration: forward, backward, update (key: →)"), (1, "")):
        at = app(present=present) if present else app()
        for page in ("pages/playground.py", "pages/neuron.py"):
            at.switch_page(page).run()
            assert not at.exception
            steps = [b for b in at.button if b.label == "Step"]
            assert len(steps) == 1 and steps[0].help == expected, (page, present, steps[0].help)


def test_presentation_mode_gives_notices_as_toasts():
    """A notice above the stage pushed its foot (the legend, the axes' titles) off a 720-px projector."""
    for present in (0, 1):
        at = playground(present=1) if present else playground()
        at.selectbox(key=K.widget("init")).set_value("he").run()
        said = [t.value for t in (at.toast if present else at.info)]
        assert any(v.startswith("Changed Initial weights") for v in said), (present, said)
        assert not (at.info if present else at.toast), present


def test_presentation_mode_folds_the_sidebar_once_when_it_turns_on():
    """The fold (the sidebar's own button, pressed by a script: ui/controls.py) comes once where presentation
    mode turns on (a ?present=1 link, the switch), never on later runs: a sidebar the teacher opens stays
    open. (In headless Chromium at 1280x720: folded on load and after the switch, opened by its arrow.)"""
    def folds(at):
        return sum("stSidebarCollapseButton" in h.proto.body and h.proto.unsafe_allow_javascript
                   for h in at.sidebar.get("html"))

    # (AppTest draws app.py's sidebar switch on the first run only, so the switch is checked in Chromium.)
    at = app(present=1)
    assert folds(at) == 1
    at.switch_page("pages/playground.py").run()
    assert folds(at) == 0 and not at.exception
    assert folds(app()) == 0


def test_first_visit_tour_steps_and_dismisses():
    at = playground()
    tour = lambda: [m.value for m in at.markdown if m.value.startswith("**Tour")]  # noqa: E731
    assert tour()[0].startswith("**Tour 1/3**") and "Step" in tour()[0]
    button(at, "Next").click().run()
    assert tour()[0].startswith("**Tour 2/3**") and "One weight" in tour()[0]
    button(at, "Next").click().run()
    # Still at iteration 0: step 3 may name Rewind only as what a step brings (the slider is not there yet).
    assert iteration(at) == 0 and K.REWIND_SLIDER not in [s.key for s in at.slider]
    assert "After a step, **Rewind**" in tour()[0]
    button(at, "Got it").click().run()
    assert tour() == []
    button(at, "Step").click().run()
    assert tour() == [] and iteration(at) == 1


@pytest.mark.parametrize("query", [
    dict(learning_rate="0", samples="5", hidden="1relu"),                      # nothing moves, tiny data
    dict(learning_rate="1000000", optimizer="adam", hidden="1sigmoid"),        # absurd step, one neuron
    dict(dataset="blobs", classes="5", samples="500", hidden="128relu-128tanh-128sigmoid-128relu",
         batch_size="1"),                                                      # the largest network and data
], ids=["lr0-tiny", "lr1e6", "largest"])
def test_extreme_settings_train_or_stop_cleanly(query):
    at = playground(**query)
    button(at, "Step x10").click().run()
    assert not at.exception
    it = iteration(at)
    warnings = "\n".join(w.value for w in at.warning)
    assert it == 10 or "diverged" in warnings


def test_every_view_tab_renders_with_its_numbers():
    at = playground()
    button(at, "Step x10").click().run()
    every_tab_renders(at, ("Loss and accuracy", "Gradient inspector", "Network", "Gradient norms", "Histograms",
                           "One weight", "Compare two runs", "Draw your data"))


def every_tab_renders(at, tabs, chartless=("Compare two runs",)):
    """Each tab renders (a chart, unless ``chartless``); One weight's backprop and finite differences agree,
    as the page states; run B's comparison draws its three charts."""
    for tab in tabs:
        at.session_state[K.TAB] = tab
        at.run()
        assert not at.exception, tab
        assert at.get("plotly_chart") or tab in chartless, tab
    at.session_state[K.TAB] = "One weight"
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["relative error"]) < 1e-6
    assert abs(float(metrics["dL/dw (backprop)"]) - float(metrics["numerical (finite differences)"])) < 1e-9
    at.session_state[K.TAB] = "Compare two runs"
    at.run()
    at.toggle(key=K.COMPARE_ON).set_value(True).run()
    assert len(at.get("plotly_chart")) == 3 and not at.exception


def test_histograms_count_what_nncore_counts_dead_relus_included():
    """Circles, two ReLU layers at Adam 0.05: by iteration 40, 1 of dense1's 8 ReLUs and 4 of dense2's are
    dead on the batch (nncore says so); the tab's row titles say the same, and each panel counts every
    sample times every neuron once, as nncore's arrays hold them."""
    at = playground(classes="2", hidden="8relu-8relu", learning_rate="0.05")
    for _ in range(4):
        button(at, "Step x10").click().run()
    assert iteration(at) == 40
    at.session_state[K.TAB] = "Histograms"
    at.run()
    assert not at.exception
    net = at.session_state[K.TRAINER].snapshot(40).network
    states = [int(np.count_nonzero(s == nncore.DEAD)) for s in net.neuron_states()]
    assert states == [1, 4, 0]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    titles = [a["text"] for a in spec["layout"]["annotations"] if a["text"].startswith("<b>dense")]
    assert titles == ["<b>dense1</b> · 8 relu · 1 of 8 dead", "<b>dense2</b> · 8 relu · 4 of 8 dead",
                      "<b>dense3</b> · 2 softmax (output)"]
    # Every bar's count, summed per panel (working and dead stacked): batch x neurons, from nncore.
    axes = {}
    for trace in spec["data"]:
        axes[trace.get("xaxis", "x")] = axes.get(trace.get("xaxis", "x"), 0) + int(plotted(trace["y"]).sum())
    values = net.layer_values()
    expected = [v[k].size for v in values for k in ("a", "grad")]
    assert [axes[f"x{n if n > 1 else ''}"] for n in range(1, 7)] == expected == [160 * 8, 160 * 8, 160 * 8,
                                                                                 160 * 8, 160 * 2, 160 * 2]
    # The dead neurons' values are stacked apart: dense2's dead ones are 4 x 160 activations, all 0.
    dead = [t for t in spec["data"] if t["name"] == "dead or saturated neurons" and t.get("xaxis") == "x3"]
    assert plotted(dead[0]["y"]).sum() == 4 * 160 and plotted(dead[0]["y"])[0] == 4 * 160
    # The switches: gradients by value, counts on a log axis.
    at.toggle(key=K.HIST_LOG).set_value(False).run()
    at.toggle(key=K.HIST_LOG_COUNTS).set_value(True).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not at.exception and spec["layout"]["yaxis"]["type"] == "log"
    assert spec["layout"]["xaxis2"]["range"][0] == -spec["layout"]["xaxis2"]["range"][1] < 0


def uploader(at, key):
    return next(u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id)


def test_your_own_csv_data_trains_and_a_bad_one_changes_nothing():
    at = playground()
    button(at, "Step x10").click().run()
    uploader(at, K.UPLOAD_CSV).set_value(("bad.csv", b"x1,x2,label\n1,oops,0\n", "text/csv")).run()
    warning = "\n".join(w.value for w in at.warning)
    assert "oops" in warning and "not a number" in warning and "unchanged" in warning
    assert iteration(at) == 10  # the run goes on
    rows = "x1,x2,label\n" + "".join(f"{(i % 7) / 7},{(i % 5) / 5},{i % 2}\n" for i in range(40))
    uploader(at, K.UPLOAD_CSV).set_value(("mine.csv", rows.encode(), "text/csv")).run()
    assert iteration(at) == 0 and any("Loaded 40 points in 2 classes" in i.value for i in at.info)
    assert at.selectbox(key=K.widget("dataset")).value == "custom"
    # Every one of your points trains, and the student is told (no hidden test split).
    assert at.slider(key=K.widget("test_fraction")).value == 0.0
    assert any("Every one of your points trains" in i.value for i in at.info)
    trainer = at.session_state[K.TRAINER]
    assert len(trainer.X) == 40 and trainer.X_test is None
    # A test split the student asks for is kept.
    at.slider(key=K.widget("test_fraction")).set_value(0.25).run()
    trainer = at.session_state[K.TRAINER]
    assert (len(trainer.X), len(trainer.X_test)) == (30, 10)
    assert at.toggle(key=K.SHOW_TEST).label == "Show test points (hollow)"
    button(at, "Step").click().run()
    assert iteration(at) == 1 and not at.exception


def test_weights_upload_continues_from_them_and_bad_weights_change_nothing():
    import nncore
    import nncore.io as nio
    from ui.state import Config

    at = playground()
    button(at, "Step x10").click().run()
    bad = nio.to_json(nncore.mlp(2, [(5, "relu")], 3)).encode()  # another architecture
    uploader(at, K.UPLOAD_WEIGHTS).set_value(("other.json", bad, "application/json")).run()
    warning = "\n".join(w.value for w in at.warning)
    assert "expected shape (2, 16)" in warning.replace("\\", "") and iteration(at) == 10
    mine = nncore.mlp(2, list(Config().hidden), 3, seed=42)
    mine["dense1.weights"][...] = 0.5
    uploader(at, K.UPLOAD_WEIGHTS).set_value(("mine.npz", nio.to_npz(mine), "application/octet-stream")).run()
    assert iteration(at) == 0 and any("Loaded the weights" in i.value.replace("\\", "") for i in at.info)
    assert (at.session_state[K.TRAINER].network["dense1.weights"] == 0.5).all()


def test_switching_pages_and_optimizers_loses_nothing():
    at = playground(hidden="8tanh-8tanh", learning_rate="0.05")
    button(at, "Step x10").click().run()
    at.switch_page("pages/neuron.py").run()
    at.switch_page("pages/playground.py").run()
    assert iteration(at) == 10 and at.number_input(key=K.widget("learning_rate")).value == 0.05
    assert at.slider(key=K.widget("n_hidden")).value == 2
    at.selectbox(key=K.widget("optimizer")).set_value("sgd").run()   # Adam's beta widgets disappear
    assert iteration(at) == 0 and not at.exception
    at.selectbox(key=K.widget("optimizer")).set_value("adam").run()  # and come back with their values
    assert at.number_input(key=K.widget("beta_2")).value == 0.999 and not at.exception
    at.slider(key=K.widget("n_hidden")).set_value(3).run()           # a new layer starts at 8 neurons
    assert at.number_input(key=K.widget("neurons2")).value == 8 and not at.exception


def test_a_lesson_keeps_its_iteration_across_pages():
    at = app("pages/neuron.py")
    button(at, "Step x10").click().run()
    at.switch_page("pages/layer.py").run()
    at.switch_page("pages/neuron.py").run()
    assert iteration(at) == 10 and f"`Iteration 11, Loss: {notes.NEURON_LOSSES[10]!r}`" in text(at)


def test_divergence_while_playing_stops_play_and_keeps_the_last_good_iteration():
    at = playground(optimizer="sgd", learning_rate="1000000", momentum="0", l2="1", dataset="blobs")
    button(at, "Play").click().run()
    for _ in range(20):  # each run is the live view asking for more frames
        if [b for b in at.button if b.label == "Play"]:
            break
        at.run()
    # The run that diverged shows Play again, and says why.
    assert [b for b in at.button if b.label == "Play"], "play did not stop"
    warning = stage(at)["message"]  # on the stage, where the student is looking
    good = iteration(at)
    assert "diverged" in warning and f"Iteration {good} is the last good state" in warning
    at.slider(key=K.REWIND_SLIDER).set_value(good // 2).run()  # rewinding works
    assert iteration(at) == good // 2 and not at.exception


def _pause_script():
    """Pause after 30 iterations, then the live view's answer (``answer`` in session state)."""
    import streamlit as st

    from ui.run import PlaygroundRun
    from ui.state import Config, K

    ss = st.session_state
    run = PlaygroundRun(ss)
    run.apply_config(Config(dataset="blobs", samples=20))
    run.step(30)
    ss[K.PLAYING] = True
    run.pause()
    if ss.get("step_first"):
        run.step(1)
    run.paused_at(ss["answer"])
    st.write(f"at {run.trainer.iteration} view {run.view()} hold {run.pause_pending}")


@pytest.mark.parametrize("answer, expected", [
    (12, 12),         # the frame on screen: the run goes back to it
    (0, 0),
    (30, 30),         # already there
    (31, 30),         # past the run: ignored
    (-1, 30),
    ("12", 30),       # not an int (the value comes from the browser): ignored
    (12.0, 30),
    (True, 30),
    (None, 30),
])
def test_pause_goes_back_to_the_frame_the_live_view_reports(answer, expected):
    at = AppTest.from_function(_pause_script, default_timeout=TIMEOUT)
    at.session_state["answer"] = answer
    at.run()
    assert not at.exception, at.exception
    assert at.markdown[-1].value == f"at {expected} view {expected} hold False"


def test_a_pause_answer_after_a_step_is_ignored():
    at = AppTest.from_function(_pause_script, default_timeout=TIMEOUT)
    at.session_state["answer"] = 12
    at.session_state["step_first"] = True
    at.run()
    assert not at.exception, at.exception
    assert at.markdown[-1].value == "at 31 view 31 hold False"


def test_the_books_adagrad_setting_says_what_the_loss_clips_and_its_gradient_still_checks():
    """Chapter 10's Adagrad(learning_rate=1.0): its first update throws 163 of the 300 samples past the
    clip (counted by nncore directly: tests/test_book.py checks the same setting against the book). The
    page says so, and the gradient of a weight there still agrees with finite differences (of the
    unclipped loss). By iteration 6 the run has recovered and the note is gone."""
    at = playground(dataset="spiral", noise="0.0", hidden="64relu", optimizer="adagrad", learning_rate="1.0",
                    decay="0.0001", test_fraction="0.0")
    assert not [c.value for c in at.caption if "printed loss clips" in c.value]
    button(at, "Step").click().run()
    notes = [c.value for c in at.caption if "printed loss clips" in c.value]
    assert notes, [c.value for c in at.caption]
    assert "for 163 of the 300 samples" in notes[0] and "unclipped loss" in notes[0]
    at.session_state[K.TAB] = "One weight"
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["relative error"]) < 1e-6
    assert float(metrics["dL/dw (backprop)"]) != 0.0
    at.session_state[K.TAB] = "Loss and accuracy"
    for _ in range(5):
        button(at, "Step").click().run()
    assert iteration(at) == 6 and not [c.value for c in at.caption if "printed loss clips" in c.value]


def test_one_weight_says_when_a_gradient_is_beyond_finite_differences():
    """A sigmoid network driven into saturation (SGD at learning rate 50): the default weight's gradient
    is about 6e-52, which no central difference resolves (it reads 0). The tab says so instead of
    showing a relative error of 1."""
    at = playground(dataset="moons", noise="0.0", classes="2", output="sigmoid", optimizer="sgd", learning_rate="50",
                    momentum="0", batch_size="16")
    for _ in range(30):
        button(at, "Step x10").click().run()
    at.session_state[K.TAB] = "One weight"
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["relative error"] == "below resolution" and float(metrics["numerical (finite differences)"]) == 0
    assert 0 < abs(float(metrics["dL/dw (backprop)"])) < 1e-13
    assert any("smaller than finite differences can resolve" in c.value for c in at.caption)


def plotted(values):
    """An array as the chart's JSON carries it: a list, or Plotly's typed array (base64 bytes)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def test_inspector_and_network_read_at_128_by_128():
    """Wide layers: the inspector shows per-neuron norms and the largest |dL/dw| (the full heatmap on a switch),
    the network draws 16 neurons per layer and says how many more there are."""
    at = playground(hidden="128relu-128relu")
    button(at, "Step x10").click().run()
    at.session_state[K.TAB] = "Gradient inspector"
    at.run()
    at.selectbox(key=K.INSPECT_LAYER).set_value("dense2").run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    summary = next(c for c in charts if c["layout"]["title"]["text"].startswith("dense2: the size"))
    assert [len(plotted(t["y"])) for t in summary["data"]] == [128] * 4
    top = at.dataframe[0].value
    assert list(top.columns) == ["input i", "neuron j", "w", "dL/dw"] and len(top) == 10
    assert top["dL/dw"].abs().is_monotonic_decreasing and top["dL/dw"].abs().iloc[0] > 0
    # The largest of all: no entry of the full table beats the summary's first row.
    at.toggle(key=K.INSPECT_TABLE).set_value(True).run()
    full = at.dataframe[-1].value
    assert full.shape == (129, 128) and full.abs().to_numpy().max() >= top["dL/dw"].abs().iloc[0]
    at.toggle(key=K.INSPECT_HEATMAP).set_value(True).run()
    assert not at.exception
    titles = {json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec)
              for c in at.get("plotly_chart")}
    values, grads = titles["dense2: weights W and biases b"], titles["gradients dL/dW and dL/db"]
    scale = grads["layout"]["coloraxis"]  # dL/dW's own scale: far under W's
    assert len(values["data"]) == len(grads["data"]) == 2 and scale["cmin"] == -scale["cmax"] > -1
    assert values["layout"]["coloraxis"]["cmax"] > 10 * scale["cmax"]
    at.session_state[K.TAB] = "Network"
    at.run()
    assert not at.exception
    network = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Network"))
    assert [len(plotted(t["y"])) for t in network["data"] if t["mode"] == "markers"] == [2, 16, 16, 3]
    assert sum(a["text"].startswith("+112 more") for a in network["layout"]["annotations"]) == 2


def badges(at):
    return [m.value for m in at.markdown if "-badge[" in m.value]


XOR_SOLVED = dict(challenge="xor", lock="hidden,optimizer", hidden="2tanh", optimizer="sgd", learning_rate="0.5")


def test_a_challenge_link_locks_its_settings_and_they_hold():
    at = playground(**XOR_SOLVED)
    assert at.selectbox(key=K.CHALLENGE_PICK).value == "xor" and at.selectbox(key=K.CHALLENGE_PICK).disabled
    for key in ("dataset", "optimizer", "act0"):   # the challenge's data and what the link locked
        assert at.selectbox(key=K.widget(key)).disabled, key
    assert at.slider(key=K.widget("n_hidden")).disabled and at.number_input(key=K.widget("neurons0")).disabled
    assert not at.number_input(key=K.widget("learning_rate")).disabled  # not locked: the student's to try
    assert at.selectbox(key=K.PRESET).disabled
    assert badges(at) == [":blue-badge[:material/flag: XOR with few neurons]"]
    # The address bar edited within the session, a preset forced in: the locked settings hold.
    at.query_params["optimizer"], at.query_params["hidden"] = "adam", "64relu"
    at.session_state[K.widget("optimizer")] = "adam"
    at.run()
    button(at, "Step").click().run()
    cfg = at.session_state[K.CONFIG]
    assert (cfg.dataset, cfg.hidden, cfg.optimizer) == ("xor", ((2, "tanh"),), "sgd")
    assert at.selectbox(key=K.widget("optimizer")).value == "sgd" and iteration(at) == 1
    assert at.query_params["challenge"] == "xor" and at.query_params["lock"] == "hidden,optimizer"


def test_meeting_a_challenge_shows_its_badge_and_is_remembered():
    at = playground(**XOR_SOLVED)
    assert "test accuracy 50% (goal 100%)" in text(at)
    for _ in range(25):
        button(at, "Step x10").click().run()
    assert iteration(at) == 250 and "2 hidden neurons, test accuracy 100% (goal 100%)" in text(at)
    assert badges(at) == [":green-badge[:material/trophy: Met: XOR with few neurons]"]
    assert at.session_state[K.CHALLENGES_MET] == {("xor", 0)}
    button(at, "Reset").click().run()  # back at 50%: the numbers say so, the badge stays
    assert "test accuracy 50%" in text(at) and badges(at)[0].startswith(":green-badge")


def test_a_hostile_challenge_link_gets_a_clear_note_and_locks_nothing():
    at = playground(challenge="<img src=x onerror=alert(1)>", lock="hidden,__proto__")
    notes_shown = "\n".join(i.value for i in at.info)
    assert "\\<img" in notes_shown and "<img" not in notes_shown.replace("\\<img", "")  # escaped: text, no tag
    notes_shown = notes_shown.replace("\\", "")
    assert "challenge=<img src=x onerror=alert(1)> is not one of spiral, vanishing, xor, learning-rate" in notes_shown
    assert "lock= needs a challenge; nothing is locked" in notes_shown and "__proto__" not in notes_shown
    assert badges(at) == [] and not at.selectbox(key=K.widget("dataset")).disabled and not at.exception
    at = playground(challenge="spiral", lock="bogus", dataset="moons")
    notes_shown = "\n".join(i.value for i in at.info).replace("\\", "")
    assert "lock: bogus is not a setting" in notes_shown and "the spiral challenge fixes dataset" in notes_shown
    assert at.session_state[K.CONFIG].dataset == "spiral" and at.selectbox(key=K.widget("dataset")).disabled


def test_choosing_a_challenge_in_the_sidebar_starts_it_and_leaving_unlocks():
    at = playground()
    at.selectbox(key=K.CHALLENGE_PICK).select("learning-rate").run()
    cfg = at.session_state[K.CONFIG]
    assert (cfg.dataset, cfg.optimizer, cfg.learning_rate, cfg.hidden) == ("moons", "sgd", 0.01, ((16, "relu"),))
    assert at.selectbox(key=K.widget("optimizer")).disabled
    assert not at.number_input(key=K.widget("learning_rate")).disabled
    assert "lowest loss by iteration 0: 0.693 (goal < 0.1 by 300)" in text(at)
    at.selectbox(key=K.CHALLENGE_PICK).select(None).run()
    assert badges(at) == [] and not at.selectbox(key=K.widget("optimizer")).disabled
    assert "challenge" not in at.query_params


def test_a_challenge_keeps_its_data_from_the_draw_tab():
    at = playground(challenge="spiral")
    at.session_state[K.TAB] = "Draw your data"
    at.run()
    assert "fixes the dataset" in text(at) and at.session_state[K.CONFIG].dataset == "spiral"


def test_pickers_for_initial_weights_dropout_and_frozen_layers():
    at = playground()
    init = at.selectbox(key=K.widget("init"))
    assert init.options == ["book: 0.01 × N(0, 1)", "book, chapter 17: 0.1 × N(0, 1)", "zeros",
                            "Xavier (Glorot normal)", "He normal"]
    assert at.slider(key=K.widget("dropout")).value == 0.0 and at.multiselect(key=K.FROZEN).value == []
    button(at, "Step x10").click().run()
    init.set_value("he").run()
    # The notices are markdown, their punctuation escaped: "Changed Initial weights\\: training restarted at
    # iteration 0\\."
    assert iteration(at) == 0 and any(i.value.startswith("Changed Initial weights")
                                      and "restarted at iteration 0" in i.value for i in at.info)
    assert at.query_params["init"] == "he"  # the address bar is a share link
    first = at.session_state[K.TRAINER].network["dense1.weights"]
    assert 0.3 < np.std(first) < 2  # He normal: N(0, 1) * sqrt(2 / 2 inputs), not the book's 0.01
    at.slider(key=K.widget("dropout")).set_value(0.2).run()
    button(at, "Step x10").click().run()
    assert not at.exception and iteration(at) == 10
    assert at.multiselect(key=K.FROZEN).options == ["dense1", "dense2"]
    at.multiselect(key=K.FROZEN).select("dense1").run()
    assert any("From iteration 10 the next steps leave dense1 unchanged" in i.value for i in at.info)
    before = at.session_state[K.TRAINER].network["dense1.weights"].copy()
    other = at.session_state[K.TRAINER].network["dense2.weights"].copy()
    button(at, "Step x10").click().run()
    network = at.session_state[K.TRAINER].network
    assert iteration(at) == 20 and at.multiselect(key=K.FROZEN).value == ["dense1"]
    assert np.array_equal(network["dense1.weights"], before) and np.abs(network["dense1.dweights"]).max() > 0
    assert not np.array_equal(network["dense2.weights"], other)
    assert not at.exception


def test_input_features_rebuild_the_first_layer_and_show_as_its_inputs():
    at = playground()
    pills = at.pills(key=K.widget("features"))
    assert pills.value == [] and stage(at)["net"]["inputs"] == ["x1", "x2"]
    button(at, "Step x10").click().run()
    pills.set_value(["sinx1", "x1sq"]).run()
    assert any(i.value.startswith("Changed Input features") and "restarted at iteration 0" in i.value for i in at.info)
    assert iteration(at) == 0 and at.query_params["features"] == "x1sq-sinx1"  # canonical order in the link
    network = at.session_state[K.TRAINER].network
    assert network["dense1.weights"].shape == (4, 16) and network.n_inputs == 2
    net = stage(at)["net"]
    assert net["inputs"] == ["x1", "x2", "x1²", "sin x1"] and net["features"] == ["x1sq", "sinx1"]
    assert net["layers"][0]["n_in"] == 4
    button(at, "Step x10").click().run()
    at.session_state[K.TAB] = "Gradient inspector"
    at.run()
    at.toggle(key=K.INSPECT_TABLE).set_value(True).run()
    assert not at.exception and list(at.dataframe[0].value.index) == ["x1", "x2", "x1²", "sin x1", "b"]
    at.session_state[K.TAB] = "One weight"
    at.session_state[K.WEIGHT_I] = 3
    at.run()
    assert any("(input 3 = sin x1 → neuron" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["relative error"]) < 1e-6
    at.session_state[K.TAB] = "Network"
    at.run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not at.exception and "inputs (4)" in json.dumps(spec) and "inputs (2)" not in json.dumps(spec)


def test_a_link_with_features_round_trips_and_a_bad_one_falls_back_with_a_note():
    at = playground(features="x2sq-x1sq", hidden="none", classes=2)
    assert not at.exception and at.pills(key=K.widget("features")).value == ["x1sq", "x2sq"]
    assert at.session_state[K.CONFIG].features == ("x1sq", "x2sq")
    assert at.query_params["features"] == "x1sq-x2sq" and at.query_params["hidden"] == "none"
    assert stage(at)["net"]["inputs"] == ["x1", "x2", "x1²", "x2²"]
    at = playground(features="x1sq-rm")
    assert at.session_state[K.CONFIG].features == ()
    # The note, as markdown escapes it: "features=x1sq-rm is not allowed (unknown feature rm; ...); using none".
    assert any("features=x1sq\\-rm is not allowed \\(unknown feature rm;" in i.value and "using none" in i.value
               for i in at.info)


REGRESSION_LINK = dict(dataset="sine", output="linear", samples=60, noise="0.05", hidden="8relu-8tanh",
                       test_fraction="0.2", init="xavier", learning_rate="0.02")


def test_regression_mode_every_tab_renders_with_nncores_numbers():
    import nncore
    from nncore import datasets

    at = playground(**REGRESSION_LINK)
    assert not at.info  # a consistent link: no note
    assert at.selectbox(key=K.widget("output")).options == ["linear + mean squared error"]
    button(at, "Step x10").click().run()
    # The stage's numbers are an independent nncore run's.
    X, y = datasets.sine(60, 0.05, 0)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, 0.2, 0)
    ref = nncore.Trainer(nncore.mlp(1, [(8, "relu"), (8, "tanh")], 1, output="linear", init="xavier"),
                         nncore.Adam(learning_rate=0.02), Xtr, ytr, X_test=Xte, y_test=yte)
    ref.step(10)
    record = ref.record()
    assert loss_line(at) == (record["loss"], record["accuracy"], record["test_loss"], record["test_accuracy"])
    data = stage(at)
    assert data["task"] == "regression" and data["grid"]["h"] == 1 and data["net"]["inputs"] == ["x1"]
    every_tab_renders(at, ("Reading the stage", "Loss and accuracy", "Gradient inspector", "Network", "Gradient norms",
                           "Histograms", "One weight", "Compare two runs", "Draw your data", "Loss landscape"),
                      chartless=("Compare two runs", "Reading the stage"))
    at.session_state[K.TAB] = "Reading the stage"
    at.run()
    assert "Regression" in text(at) and "Classification only" in text(at)


def test_a_regression_link_asking_a_classifier_output_gets_linear_and_a_note():
    at = playground(dataset="abs", output="sigmoid", classes="2")
    notes_shown = "\n".join(i.value for i in at.info).replace("\\", "")
    assert "abs is a regression dataset" in notes_shown and "using linear" in notes_shown
    assert at.session_state[K.CONFIG].output == "linear" and stage(at)["net"]["layers"][-1]["activation"] == "linear"
    # Back to classification in the sidebar: the output follows the data, with no note.
    at.selectbox(key=K.widget("dataset")).set_value("moons").run()
    assert at.session_state[K.CONFIG].output == "softmax" and not at.exception
    assert stage(at)["task"] == "classification"


def test_regression_weights_download_and_upload():
    import nncore.io as nio

    at = playground(**REGRESSION_LINK)
    button(at, "Step x10").click().run()
    saved = nio.to_json(at.session_state[K.TRAINER].network)
    button(at, "Step x10").click().run()
    uploader(at, K.UPLOAD_WEIGHTS).set_value(("w.json", saved.encode(), "application/json")).run()
    assert iteration(at) == 0 and any("Loaded the weights" in i.value.replace("\\", "") for i in at.info)
    assert nio.to_json(at.session_state[K.TRAINER].network) == saved
