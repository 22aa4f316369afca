"""The playground's run controller over a plain dict, checked against independent nncore runs."""

import subprocess
import sys
from dataclasses import replace
from itertools import count
from pathlib import Path

import numpy as np
import pytest

import nncore
import nncore.io as nio
from nncore import datasets
from ui import pacing
from ui.run import PlaygroundRun
from ui.state import CUSTOM, PRESETS, Config, K

CFG = Config(dataset="blobs", samples=20, classes=3, hidden=((6, "tanh"),), learning_rate=0.05)


def fresh(cfg, start=None):
    """The run ``cfg`` describes, built straight from nncore (not through ui)."""
    X, y = datasets.CLASSIFICATION[cfg.dataset](cfg.samples, cfg.classes, cfg.noise, cfg.data_seed)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, cfg.test_fraction, cfg.data_seed)
    net = nncore.mlp(2, list(cfg.hidden), nncore.output_size(cfg.output, cfg.classes), output=cfg.output,
                     seed=cfg.weight_seed, l1=cfg.l1, l2=cfg.l2, init=cfg.init, dropout=cfg.dropout)
    if start is not None:
        net.set_parameters(start)
    return nncore.Trainer(net, nncore.OPTIMIZERS[cfg.optimizer](**cfg.hyperparameters()), Xtr, ytr,
                          X_test=Xte, y_test=yte, batch_size=cfg.batch_size or None, seed=cfg.weight_seed)


def trained(cfg, n):
    t = fresh(cfg)
    t.step(n)
    return t


def clock(step):
    """A stopwatch on which every batch takes ``step`` seconds, none of it waiting for the batch lock
    (next_batch reads it three times a batch: at the start, with the lock taken, at the end)."""
    ticks = count()

    def now():
        batch, call = divmod(next(ticks), 3)
        return batch * step + (step if call == 2 else 0.0)
    return now


def started(cfg=CFG):
    state = {}
    run = PlaygroundRun(state)
    assert run.apply_config(cfg) == []
    return run, state


def notices(run):
    return "\n".join(text for _, text in run.take_notices())


def test_steps_match_a_fresh_trainer_bit_for_bit():
    run, _ = started()
    assert run.step(1) == 1 and run.step(10) == 10
    assert run.view() == run.trainer.iteration == 11
    assert run.snapshot().record == trained(CFG, 11).record()


def test_play_pause_and_the_live_views_answer():
    run, state = started()
    run.play()
    frames, grid = run.next_batch(clock(0.1))
    # Start at a twentieth of speed 50: 2 iterations per frame (round(2.5)), 24 frames; a 2-6-3 network
    # is sampled on the finest grid.
    assert grid == 64 and [f["iteration"] for f in frames] == list(range(2, 49, 2))
    assert run.scale == 0.1  # 24 frames (1 s of film) in 0.1 s: room 5, the speed doubles
    assert frames[-1]["loss"] == trained(CFG, 48).record()["loss"]
    # Each frame carries that iteration's network: parameters and the gradients at them, by nncore.
    net = trained(CFG, 48).network
    for got, dense in zip(frames[-1]["params"][::2], net.dense_layers):
        np.testing.assert_array_equal(got, dense.weights)
    np.testing.assert_array_equal(frames[-1]["grads"][-1], net.dense_layers[-1].dbiases)
    frames, _ = run.next_batch(clock(0.1))
    assert [f["iteration"] for f in frames] == list(range(53, 169, 5)) and run.scale == 0.2
    assert state[K.SEQ] == 2 and run.playing
    run.pause()
    assert not run.playing and run.payload(frames, 50, show_test=False, presentation=False, encode=str)["hold"]
    run.paused_at(103)  # the frame on screen when the browser stopped
    assert run.trainer.iteration == run.view() == 103 and not run.pause_pending
    assert run.snapshot().record == trained(CFG, 103).record()


def test_a_long_turn_at_the_batch_lock_with_others_queueing_goes_on_at_one_iteration_a_frame(monkeypatch):
    class Queued:  # the batch lock, with another session queueing behind this one
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def waiting(self):
            return 1

    monkeypatch.setattr(pacing, "BATCH_LOCK", Queued())
    run, state = started()
    run.play()
    state[K.PLAY_SCALE] = 1.0  # sped up alone: 50 iterations a frame
    ticks = count()
    frames, _ = run.next_batch(lambda: 0.03 * next(ticks))  # each reading of the clock 30 ms later
    # In at 0.03 s; before frame k the turn has lasted 0.03 (k + 1) s: over YIELD_AFTER (0.1 s) at k = 3.
    its = [f["iteration"] for f in frames]
    assert its == [50, 100, 150] + list(range(151, 172))
    assert frames[-1]["loss"] == trained(CFG, 171).record()["loss"]  # the same run, in smaller strides
    # It trained 171 of the 24 x 50 planned: it goes on at that share, not faster (its batch was quick).
    assert run.scale == pytest.approx(171 / 1200, rel=1e-12)


def test_a_batch_that_waited_long_for_the_lock_makes_the_film_busy_until_the_server_has_room():
    run, state = started()
    run.play()
    payload = run.payload([], 64, show_test=False, presentation=False, encode=str)
    assert payload["fps"] == pacing.FPS == 24 and not run.busy
    readings = iter([0.0, 0.3, 0.4])  # in after 0.3 s of waiting (over CROWDED of its 1-s film); out at 0.4
    frames, _ = run.next_batch(lambda: next(readings))
    assert len(frames) == 24 and run.busy and run.scale == pacing.BUSY_SCALE
    assert run.payload(frames, 64, show_test=False, presentation=False, encode=str)["fps"] == pacing.BUSY_FPS == 12
    frames, _ = run.next_batch(clock(0.1))  # busy: 48 frames (2 s at 24 frames/s) in 0.1 s, no wait: room 13
    assert len(frames) == 48 and run.scale == 2 * pacing.BUSY_SCALE and not run.busy
    assert run.payload(frames, 64, show_test=False, presentation=False, encode=str)["fps"] == 24


@pytest.mark.parametrize("answer", ["12", 12.0, True, None, -1, 900])
def test_a_pause_answer_must_be_an_int_within_the_run(answer):
    run, _ = started()
    run.step(30)
    run.play()
    run.pause()
    run.paused_at(answer)
    assert run.trainer.iteration == run.view() == 30


def test_a_pause_answer_counts_only_for_the_last_pause():
    run, _ = started()
    run.step(30)
    run.paused_at(12)  # no Pause asked for
    run.play()
    run.pause()
    run.step(1)  # moved since
    run.paused_at(12)
    assert run.trainer.iteration == 31
    run.play()
    run.pause()
    run.paused_at(12)
    run.paused_at(5)  # a second answer to one Pause
    assert run.trainer.iteration == 12


def test_rewind_shows_the_past_and_training_goes_on_from_there():
    run, _ = started()
    run.step(40)
    run.play()
    run.rewind(40)  # the slider echoing the value the server set: still playing
    assert run.playing
    run.rewind(15)
    assert not run.playing and run.view() == 15 and run.trainer.iteration == 40
    assert run.snapshot().record == trained(CFG, 15).record()
    run.step(1)  # a new branch from 15
    assert run.trainer.iteration == run.view() == 16
    run.reset()
    assert run.trainer.iteration == 0 and "Reset to iteration 0" in notices(run)


def test_a_learning_rate_change_applies_from_the_view_on():
    run, _ = started()
    run.step(30)
    run.rewind(20)
    (kind, text), = run.apply_config(replace(CFG, learning_rate=0.005))
    assert kind == "info" and "Changed Learning rate:" in text and "from iteration 20, uses it" in text
    run.step(10)
    other = trained(CFG, 20)
    other.set_hyperparameters(learning_rate=0.005)
    other.step(10)
    assert run.trainer.iteration == 30 and run.snapshot().record == other.record()
    assert run.trainer.record(10) == trained(CFG, 10).record()  # the iterations before keep 0.05
    assert run.trainer.schedule()[-1] == (20, {**CFG.hyperparameters(), "learning_rate": 0.005})


def test_the_network_is_drawn_as_init_and_dropout_say():
    run, _ = started(replace(CFG, init="he", dropout=0.2, weight_seed=3))
    direct = nncore.mlp(2, [(6, "tanh")], 3, seed=3, init="he", dropout=0.2)
    net = run.trainer.network
    for ours, theirs in zip(net.dense_layers, direct.dense_layers, strict=True):
        assert np.array_equal(ours.weights, theirs.weights)
    # He normal: N(0, 1) * sqrt(2 / 2 inputs) in the first layer, not the book's 0.01.
    assert 0.3 < np.std(net.dense_layers[0].weights) < 2
    assert [type(layer).__name__ for layer in net.layers].count("Dropout") == 1
    assert [layer.rate for layer in net.layers if isinstance(layer, nncore.Dropout)] == [0.2]


def test_frozen_layers_keep_their_weights_and_still_show_gradients():
    run, _ = started()
    run.step(5)
    assert run.set_frozen(["dense1"]) is None and run.frozen == ["dense1"]
    assert "From iteration 5 the next steps leave dense1 unchanged" in notices(run)
    before = run.trainer.network.dense_layers[0].weights.copy()
    other = run.trainer.network.dense_layers[1].weights.copy()
    run.step(10)
    dense1, dense2 = run.trainer.network.dense_layers
    assert np.array_equal(dense1.weights, before) and np.abs(dense1.dweights).max() > 0
    assert not np.array_equal(dense2.weights, other)
    # Training from an earlier view keeps the frozen layers on screen, as it keeps the settings.
    run.rewind(2)
    run.step(1)
    assert run.frozen == ["dense1"] and run.trainer.frozen_schedule() == [(0, frozenset()),
                                                                         (2, frozenset({"dense1"}))]
    assert run.set_frozen([]) is None and run.frozen == []
    assert "From iteration 3 every layer learns again" in notices(run)


@pytest.mark.parametrize("names", [["dense9"], "dense1", [["dense1"]]])
def test_bad_frozen_layer_names_are_refused_and_change_nothing(names):
    run, _ = started()
    error = run.set_frozen(names)
    assert error.startswith("Frozen layers not changed") and run.frozen == []
    assert run.trainer.frozen_schedule() == [(0, frozenset())] and notices(run) == ""


def test_an_architecture_change_restarts_at_zero_and_says_so():
    run, _ = started()
    run.step(10)
    cfg = replace(CFG, hidden=((4, "relu"), (4, "relu")))
    assert run.apply_config(cfg) == [("info", "Changed Hidden layers: training restarted at iteration 0.")]
    assert run.trainer.iteration == run.view() == 0 and not run.playing
    run.step(3)
    assert run.snapshot().record == trained(cfg, 3).record()


def test_divergence_stops_play_with_a_warning_and_keeps_every_good_iteration():
    cfg = PRESETS["Too large a learning rate (diverges)"]
    with pytest.raises(nncore.DivergenceError) as err:
        trained(cfg, cfg.stop_at)
    good = err.value.last_good
    run, _ = started(cfg)
    run.play()
    for _ in range(10):
        if not run.playing:
            break
        frames, _ = run.next_batch(clock(0.1))
    assert not run.playing and run.trainer.iteration == run.view() == good
    assert frames[-1]["iteration"] == good
    # Said on the stage, where the student is looking, until the next move.
    message = run.payload(frames, 24, show_test=False, presentation=False, encode=str)["message"]
    assert f"every iteration up to {good} is kept" in message and run.take_notices() == []
    run.rewind(good // 2)
    assert run.snapshot().record == trained(cfg, good // 2).record()


def test_play_stops_at_the_stop_iteration():
    cfg = replace(CFG, stop_at=30)
    run, _ = started(cfg)
    run.play()
    frames, _ = run.next_batch(clock(0.1))
    assert [f["iteration"] for f in frames] == list(range(2, 31, 2)) and not run.playing
    run.play()
    assert run.next_batch(clock(0.1))[0] == [] and not run.playing
    stage = run.payload([], 24, show_test=False, presentation=False, encode=str)
    assert "Stopped at iteration 30" in stage["message"] and "Stop at iteration" in stage["message"]
    run.step(1)  # the next move clears it
    assert "message" not in run.payload([], 24, show_test=False, presentation=False, encode=str)


def test_uploaded_weights_start_a_run_and_go_when_the_architecture_changes():
    run, state = started()
    run.step(5)
    assert "expected shape" in run.load_weights("other.json", nio.to_json(nncore.mlp(2, [(5, "tanh")], 3)))
    assert run.load_weights("relu.json", nio.to_json(nncore.mlp(2, [(6, "relu")], 3))) == (
        "relu.json: these weights are for the activations relu, softmax (one per Dense layer); this network's are "
        "tanh, softmax. Choose the same in the sidebar, then load them again")
    assert run.trainer.iteration == 5
    mine = nncore.mlp(2, [(6, "tanh")], 3, seed=9)
    assert run.load_weights("mine.npz", nio.to_npz(mine)) is None
    assert run.trainer.iteration == 0 and run.uploaded_weights
    run.step(4)
    expected = fresh(CFG, mine.get_parameters())
    expected.step(4)
    assert run.snapshot().record == expected.record()
    assert run.apply_config(replace(CFG, dropout=0.1))[0][1] == \
        "Changed Dropout: training restarted at iteration 0."  # the same weights, dropped out
    assert run.uploaded_weights and np.array_equal(run.trainer.network["dense1.weights"], mine["dense1.weights"])
    said = run.apply_config(replace(CFG, init="xavier"))  # other initial weights: yours go
    assert [text for _, text in said] == [
        "Changed Initial weights, Dropout: training restarted at iteration 0.",
        "The architecture (the classes decide the output layer's width), the weight seed or the initial weights "
        "changed: the uploaded weights were dropped."]
    assert K.START_WEIGHTS not in state and run.snapshot().record == fresh(replace(CFG, init="xavier")).record()


def test_uploaded_weights_go_when_the_classes_change_the_output_layer():
    # The same hidden layers and output name, but 4 classes need a 6 x 4 output layer: the 6 x 3 upload
    # cannot be set (it raised "expected shape (6, 4)" inside the sidebar's apply_config, a traceback).
    run, state = started()
    assert run.load_weights("mine.json", nio.to_json(nncore.mlp(2, [(6, "tanh")], 3, seed=9))) is None
    said = run.apply_config(replace(CFG, classes=4))
    assert said[-1][1].endswith("the uploaded weights were dropped.") and K.START_WEIGHTS not in state
    assert run.trainer.network["dense2.weights"].shape == (6, 4)


def test_your_own_data_trains_and_drawn_points_need_two_classes():
    run, _ = started()
    assert run.add_points([(0.1, 0.2), (0.3, 0.4)], 0) is False and run.trainer is not None
    assert run.add_points([(-0.5, 0.5)], 1) is True and run.stale(CFG)
    run.apply_config(replace(CFG, dataset=CUSTOM, test_fraction=0.0))
    assert sorted(map(tuple, run.trainer.X.tolist())) == [(-0.5, 0.5), (0.1, 0.2), (0.3, 0.4)]
    assert sorted(run.trainer.y.tolist()) == [0, 0, 1]
    run.clear_points()
    assert len(run.custom_data()[0]) == 0


def test_run_b_with_run_as_settings_is_run_a():
    cfg = replace(CFG, decay=0.0)
    run, state = started(cfg)
    run.step(25)
    (label_a, ha, sa), (label_b, hb, sb) = run.compare_runs("adam", cfg.learning_rate, 25, cap=100)
    assert label_a.startswith("A: Adam: learning_rate 0.05") and label_b == "B" + label_a[1:]
    assert sb.record == sa.record and np.array_equal(hb["loss"], ha["loss"])
    (_, _, _), (label_b, _, sb) = run.compare_runs("sgd", 1.0, 10, cap=100)
    assert label_b.startswith("B: SGD") and sb.record["loss"] != run.trainer.record(10)["loss"]
    assert run.compare_runs("sgd", 1.0, 101, cap=100) is None


def test_the_controller_imports_no_streamlit():
    code = "import sys, ui.run; assert not [m for m in sys.modules if m.startswith('streamlit')]"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_the_live_payload_and_every_state_key_is_in_K():
    run, state = started()
    run.step(3)
    frames, grid, phases = run.still(run.snapshot())
    payload = run.payload(frames, grid, show_test=True, presentation=True, encode=lambda a: [np.shape(x) for x in a])
    assert payload["frames"][0]["iteration"] == 3 and payload["history"]["it"] == [0, 1, 2] and not phases
    # Every Dense layer's weights and biases, their gradients, and n values per layer of each summary.
    assert payload["frames"][0]["params"] == [(2, 6), (1, 6), (6, 3), (1, 3)] == payload["frames"][0]["grads"]
    assert payload["frames"][0]["activity"] == [(6,), (3,)] == payload["frames"][0]["grad"] == \
        payload["frames"][0]["state"]
    assert payload["frames"][0]["batch"] == 48  # the whole training set: 80 % of 3 x 20
    assert payload["net"] == {"inputs": ["x1", "x2"], "features": [], "layers": [
        {"name": "dense1", "n_in": 2, "n": 6, "activation": "tanh"},
        {"name": "dense2", "n_in": 6, "n": 3, "activation": "softmax"}]}
    assert len(payload["points"]["x"]) == 60 and sum(payload["points"]["test"]) == 12  # 20 % of 3 x 20
    assert payload["grid"]["w"] == 64 and payload["playing"] is False and payload["hold"] is False
    run.play()
    run.next_batch(clock(0.1))
    keys = {v for v in vars(K).values() if isinstance(v, str)}
    assert set(state) <= keys


def test_one_step_is_sent_with_the_iteration_before_it_for_the_phases():
    run, _ = started()
    run.step(5)
    run.step(1)
    frames, _, phases = run.still(run.snapshot())
    assert phases and [f["iteration"] for f in frames] == [5, 6]
    before = trained(CFG, 5).network
    np.testing.assert_array_equal(frames[0]["grads"][0], before.dense_layers[0].dweights)
    # Only once: a later rerun of the page shows the step's result alone.
    frames, _, phases = run.still(run.snapshot())
    assert not phases and [f["iteration"] for f in frames] == [6]
    run.step(10)  # Step x10 is shown at once
    assert not run.still(run.snapshot())[2]


def test_the_stage_switches_come_from_the_browser_and_are_checked():
    run, state = started()
    assert run.stage_view() == {"mode": "weights", "arrows": False, "phases_ms": 1000}
    state[K.LIVE] = {"view": {"mode": "gradients", "arrows": True, "phases_ms": 3000}}
    assert run.stage_view() == {"mode": "gradients", "arrows": True, "phases_ms": 3000}
    frame = run.still(run.snapshot())[0][0]
    # -dL_s/dx_s of every training sample, from nncore.
    t = trained(CFG, 0)
    np.testing.assert_array_equal(frame["input_grads"],
                                  -nncore.network.sample_input_gradients(t.network, t.X, t.y))
    state[K.LIVE] = {"view": {"mode": "<script>", "arrows": "yes", "phases_ms": 10**9}}
    assert run.stage_view() == {"mode": "weights", "arrows": False, "phases_ms": 1000}
    state[K.LIVE] = {"view": "junk"}
    assert run.stage_view()["mode"] == "weights"


@pytest.mark.parametrize("value, expected", [
    ({"layer": "dense2", "i": 5, "j": 2}, ("dense2", 5, 2)),
    ({"layer": "dense2", "i": 6, "j": 2}, None),        # dense2 has 6 inputs: 0-5
    ({"layer": "dense1", "i": 0, "j": -1}, None),
    ({"layer": "dense9", "i": 0, "j": 0}, None),
    ({"layer": "dense1", "i": 1.0, "j": 0}, None),
    ("dense1", None),
])
def test_a_clicked_edge_is_checked_against_the_network(value, expected):
    run, _ = started()
    assert run.picked_weight(value) == expected


REG = Config(dataset="sine", samples=40, noise=0.05, output="linear", hidden=((5, "relu"), (4, "tanh")),
             init="xavier", test_fraction=0.25, learning_rate=0.02)


def test_a_regression_run_is_nncores_on_the_1d_data():
    run, state = started(REG)
    run.step(12)
    X, y = datasets.sine(40, 0.05, 0)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, 0.25, 0)
    ref = nncore.Trainer(nncore.mlp(1, [(5, "relu"), (4, "tanh")], 1, output="linear", seed=0, init="xavier"),
                         nncore.Adam(learning_rate=0.02), Xtr, ytr, X_test=Xte, y_test=yte, seed=0)
    ref.step(12)
    assert run.trainer.record() == ref.record()
    assert run.trainer.network.n_inputs == 1 and run.trainer.y.shape == (30, 1)


def test_the_regression_payload_plots_targets_over_x_and_samples_the_net_along_x():
    run, state = started(REG)
    state[K.LIVE] = {"view": {"arrows": True}}
    run.step(2)
    frames, grid, _ = run.still(run.snapshot())
    payload = run.payload(frames, grid, show_test=True, presentation=False, encode=lambda a: [np.shape(x) for x in a])
    t = run.trainer
    assert payload["task"] == "regression" and payload["classes"] == 1
    assert payload["net"]["inputs"] == ["x1"] and payload["net"]["layers"][-1] == {
        "name": "dense3", "n_in": 4, "n": 1, "activation": "linear"}
    # Training points first, then the test points: x against the target y, all of "class" 0.
    assert payload["points"]["x"] == np.round(np.r_[t.X, t.X_test][:, 0], 4).tolist()
    assert payload["points"]["y"] == np.round(np.r_[t.y, t.y_test][:, 0], 4).tolist()
    assert set(payload["points"]["c"]) == {0} and sum(payload["points"]["test"]) == 10
    # One row of x values (h = 1) across x's range, the y window around the targets, each padded by 8 %.
    g, ys = payload["grid"], np.r_[t.y, t.y_test]
    assert g["h"] == 1 and g["w"] == 256
    assert g["x0"] == pytest.approx(0 - 0.08 * 0.975) and g["x1"] == pytest.approx(0.975 + 0.08 * 0.975)
    pad = 0.08 * np.ptp(ys)
    assert g["y0"] == pytest.approx(ys.min() - pad) and g["y1"] == pytest.approx(ys.max() + pad)
    # −dL/dx: one number per training point (a horizontal arrow).
    assert payload["frames"][0]["input_grads"] == [(1,)] * 30  # the (30, 1) array, row by row
