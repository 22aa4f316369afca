"""Trainer: the book's chapter-10 run, determinism, rewind and replay, divergence."""

import numpy as np
import pytest

import nncore
from nncore import SGD, Adam, DivergenceError, Trainer, datasets, mlp


def chapter10(seed=0, **kw):
    X, y = datasets.spiral(100, 3, seed=0)
    return Trainer(mlp(2, [(64, "relu")], 3, seed=seed), Adam(learning_rate=0.05, decay=5e-7), X, y, **kw)


@pytest.fixture(scope="module")
def trained():
    t = chapter10()
    t.step(10_000)
    return t


def test_chapter10_setting_trains(trained):
    h = trained.history()
    assert trained.iteration == 10_000 and len(h["loss"]) == 10_001
    assert h["accuracy"][-1] >= 0.93  # the book reports 0.967
    assert h["loss"][-1] < 0.2 < h["loss"][0]
    assert h["learning_rate"][-1] == pytest.approx(0.05 / (1 + 5e-7 * 10_000), rel=1e-15)


def test_history_fits_the_memory_budget(trained):
    assert trained.nbytes <= 10_000_000
    # 401 checkpoints of a 2-64-3 Adam network fit in the 8 MB default, so none was thinned:
    # every iteration is at most 24 replayed updates from one.
    assert trained.checkpoint_bytes <= 8_000_000
    assert trained.checkpoint_iterations == tuple(range(0, 10_001, 25))


def test_checkpoints_every_25_and_a_rewind_replays_from_the_one_before():
    t = chapter10(checkpoint_every=25)
    t.step(100)
    assert t.checkpoint_iterations == (0, 25, 50, 75, 100)
    t.rewind(60)
    assert t.iteration == 60 and t.checkpoint_iterations == (0, 25, 50)  # the later ones were another branch
    fresh = chapter10()
    fresh.step(60)
    for name in fresh.network.parameter_names():
        layer, _, attr = name.partition(".")
        assert np.array_equal(t.network[name], fresh.network[name]), name
        assert np.array_equal(t.network[f"{layer}.d{attr}"], fresh.network[f"{layer}.d{attr}"]), name
    # Without a test set its columns are NaN: compared as arrays, NaN matching NaN.
    assert np.array_equal(list(t.record().values()), list(fresh.record().values()), equal_nan=True)
    t.step(15)  # the next checkpoint falls on the schedule again
    assert t.checkpoint_iterations == (0, 25, 50, 75)


def test_same_seed_same_history_bit_for_bit():
    a, b = chapter10(), chapter10()
    a.step(300)
    b.step(300)
    for column in a.columns:
        assert np.array_equal(a.history()[column], b.history()[column], equal_nan=True)
    c = chapter10(seed=1)
    c.step(300)
    assert not np.array_equal(a.history()["loss"], c.history()["loss"])


@pytest.mark.parametrize("batch_size", [None, 32])
def test_snapshot_replays_the_recorded_iteration_bit_for_bit(batch_size):
    t = chapter10(batch_size=batch_size)
    fresh = chapter10(batch_size=batch_size)
    t.step(260)
    for n in (0, 1, 24, 25, 26, 137, 260):
        fresh_n = chapter10(batch_size=batch_size)
        fresh_n.step(n)
        snap = t.snapshot(n)
        for name in fresh_n.network.parameter_names():
            layer, _, attr = name.partition(".")
            assert np.array_equal(snap.network[name], fresh_n.network[name])
            assert np.array_equal(snap.network[f"{layer}.d{attr}"], fresh_n.network[f"{layer}.d{attr}"])
        assert snap.record["loss"] == fresh_n.history()["loss"][-1]
    assert t.iteration == 260 and fresh.iteration == 0


def test_rewind_starts_a_new_branch():
    t = chapter10(batch_size=50)
    t.step(100)
    loss_at_40 = t.history()["loss"][40]
    t.rewind(40)
    assert t.iteration == 40 and len(t.history()["loss"]) == 41 and t.history()["loss"][-1] == loss_at_40
    t.set_hyperparameters(learning_rate=0.001)
    t.step(60)
    branch = t.history()["loss"].copy()
    # Replaying across the settings change reproduces the branch, not the old future: the same
    # as a run that took the branch directly.
    replay = t.snapshot(70)
    again = chapter10(batch_size=50)
    again.step(40)
    again.set_hyperparameters(learning_rate=0.001)
    again.step(30)
    assert np.array_equal(replay.network["dense1.weights"], again.network["dense1.weights"])
    assert branch[70] == replay.record["loss"] == again.record()["loss"]
    assert t.history()["learning_rate"][39] == pytest.approx(0.05 / (1 + 5e-7 * 39))
    assert t.history()["learning_rate"][41] == pytest.approx(0.001 / (1 + 5e-7 * 41))


def test_reset_returns_to_the_same_initial_weights():
    t = chapter10()
    w0 = t.network["dense1.weights"].copy()
    t.step(30)
    t.rewind(0)
    assert np.array_equal(t.network["dense1.weights"], w0) and t.iteration == 0


def test_divergence_is_reported_and_the_last_good_state_kept():
    X, y = datasets.spiral(50, 3, seed=1)
    t = Trainer(mlp(2, [(16, "relu")], 3, seed=0, output="linear"), SGD(learning_rate=1e6), X,
                np.eye(3)[y])
    with pytest.raises(DivergenceError) as err:
        t.step(100)
    bad = err.value.iteration
    assert "smaller learning rate" in str(err.value) and err.value.last_good == bad - 1
    assert t.iteration == bad - 1
    h = t.history()
    assert np.isfinite(h["loss"]).all() and len(h["loss"]) == bad
    assert all(np.isfinite(w).all() for pair in t.network.get_parameters() for w in pair)
    t.set_hyperparameters(learning_rate=1e-3)  # the run goes on from the last good state
    t.step(5)
    assert t.iteration == bad + 4


def test_test_set_is_scored_and_minibatches_cover_an_epoch():
    X, y = datasets.blobs(60, 3, seed=2)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, 0.25, seed=3)
    t = Trainer(mlp(2, [(8, "tanh")], 3, seed=1), Adam(learning_rate=0.02), Xtr, ytr, X_test=Xte, y_test=yte,
                batch_size=40, seed=9)
    per_epoch = -(-len(Xtr) // 40)
    seen = np.concatenate([np.arange(len(Xtr))[t.batch_indices(i)] for i in range(per_epoch)])
    assert sorted(seen.tolist()) == list(range(len(Xtr)))
    t.step(200)
    h = t.history()
    assert h["test_accuracy"][-1] > 0.9 and np.isfinite(h["test_loss"]).all()
    assert h["grad_norm.dense1"][0] > 0


def test_parameter_trace_samples_checkpoints():
    t = chapter10()
    t.step(100)
    its, values, grads = t.parameter_trace("dense2.weights", (3, 1))
    assert its.tolist() == [0, 25, 50, 75, 100] and len(values) == len(grads) == 5  # every 25, and now
    assert values[-1] == t.network["dense2.weights"][3, 1] and grads[-1] == t.network["dense2.dweights"][3, 1]
    fresh = chapter10()
    fresh.step(50)  # a checkpoint's point: the value and gradient of a run stopped there
    assert values[2] == fresh.network["dense2.weights"][3, 1] and grads[2] == fresh.network["dense2.dweights"][3, 1]


def test_bad_inputs_get_named_errors():
    X, y = datasets.spiral(10, 3)
    with pytest.raises(ValueError, match=r"labels out of range.*3 classes"):
        Trainer(mlp(2, [], 3), SGD(), X, y + 1)
    with pytest.raises(ValueError, match=r"dense1.*\(n_samples, 2\).*\(30, 3\)"):
        Trainer(mlp(2, [], 3), SGD(), np.c_[X, X[:, :1]], y)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Trainer(mlp(2, [], 3), SGD(), bad, y)
    with pytest.raises(ValueError, match=r"dense2.*n_inputs=5.*outputs 4"):
        nncore.Network([nncore.Dense(2, 4, rng=np.random.default_rng()), nncore.ReLU(),
                        nncore.Dense(5, 3, rng=np.random.default_rng())], nncore.CategoricalCrossentropy())
    with pytest.raises(ValueError, match="unknown parameter 'dense9.weights'"):
        mlp(2, [], 3)["dense9.weights"]
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        mlp(2, [(3, "swish")], 3)
    t = Trainer(mlp(2, [], 3), SGD(), X, y)
    with pytest.raises(ValueError, match="between 0 and 0"):
        t.snapshot(5)
    with pytest.raises(ValueError, match="no setting"):
        t.set_hyperparameters(beta_1=0.5)
    with pytest.raises(ValueError, match="finite"):
        t.set_hyperparameters(learning_rate=float("nan"))
    with pytest.raises(ValueError, match=r"dense1.weights: expected shape \(2, 3\)"):
        t.network.set_parameters([(np.zeros((3, 3)), np.zeros((1, 3)))])


def test_float32_option():
    X, y = datasets.spiral(30, 3)
    net = mlp(2, [(8, "relu")], 3, dtype=np.float32)
    t = Trainer(net, Adam(learning_rate=0.05), X, y)
    t.step(20)
    assert net["dense1.weights"].dtype == np.float32 and net.output.dtype == np.float32
    assert net["dense1.dweights"].dtype == np.float32
    # The same run in float64 agrees to float32's precision (about 1e-7 relative, grown over 20 steps).
    t64 = Trainer(mlp(2, [(8, "relu")], 3), Adam(learning_rate=0.05), X, y)
    t64.step(20)
    assert t.history()["loss"][-1] == pytest.approx(t64.history()["loss"][-1], rel=1e-4)
    assert t.history()["loss"][-1] != t64.history()["loss"][-1]  # and really was computed in float32
    assert np.allclose(net["dense1.weights"], t64.network["dense1.weights"], rtol=1e-3, atol=1e-5)


def test_predict_accuracy_and_probability_grid():
    X, y = datasets.blobs(30, 3, noise=0.05, seed=1)
    t = Trainer(mlp(2, [(8, "relu")], 3, seed=0), Adam(learning_rate=0.05), X, y)
    t.step(150)
    assert np.mean(t.network.predict(X) == y) == t.network.accuracy(t.network.forward(X), y) >= 0.95
    grid = nncore.probability_grid(t.network, (-1, 1), (-1, 1), 20)
    assert grid.shape == (20, 20, 3) and np.allclose(grid.sum(axis=-1), 1)
    binary = mlp(2, [], 1, output="sigmoid")
    assert nncore.probability_grid(binary, (-1, 1), (-1, 1), 5).shape == (5, 5, 2)


def test_a_100k_iteration_run_keeps_bounded_history_and_exact_replay():
    X, y = datasets.blobs(10, 2, seed=3)

    def run():
        return Trainer(mlp(2, [(4, "tanh")], 2, seed=0), SGD(learning_rate=0.05), X, y, max_checkpoint_bytes=100_000)

    t = run()
    t.step(100_000)
    its = t.checkpoint_iterations
    per_checkpoint = t.checkpoint_bytes / len(its)
    assert t.checkpoint_bytes <= 100_000 + per_checkpoint
    assert t.nbytes <= 100_000 + per_checkpoint + t.max_rows * (len(t.columns) + 1) * 8
    # Thinning keeps every other checkpoint: they stay evenly spaced from 0, 25 * 2**k apart,
    # and no sparser than the budget needs (twice as many would not fit).
    spacing = its[1] - its[0]
    assert spacing % 25 == 0 and (spacing // 25) & (spacing // 25 - 1) == 0 and spacing > 25
    assert its == tuple(range(0, 100_001, spacing))
    assert 2 * t.checkpoint_bytes - per_checkpoint > 100_000
    fresh = run()
    fresh.step(61_237)
    assert np.array_equal(t.snapshot(61_237).network["dense1.weights"], fresh.network["dense1.weights"])


def test_many_setting_changes_under_a_tiny_budget_thin_and_replay_exactly():
    """Regression: settings changes used to pin checkpoints, and past the budget thinning never ended."""
    X, y = datasets.blobs(20, 3, seed=1)

    def run(changes):
        t = Trainer(mlp(2, [(32, "relu")], 3, seed=2), Adam(learning_rate=0.01), X, y, batch_size=16,
                    checkpoint_every=5, max_checkpoint_bytes=20_000)
        for k in range(changes):
            t.step(7)
            t.set_hyperparameters(learning_rate=0.01 + 0.001 * k)
        t.step(3)
        return t

    t = run(40)  # 40 changes, each formerly a kept 4-array checkpoint: far past 20 kB
    its = t.checkpoint_iterations
    assert t.iteration == 283 and t.checkpoint_bytes <= 20_000 + t.checkpoint_bytes / len(its)
    assert its[0] == 0 and len(its) < 283 // 5  # thinned: every 5 would be 57 checkpoints
    assert len(t.schedule()) == 41
    for n in (0, 6, 7, 8, 150, 282):
        fresh = run(0)
        fresh.rewind(0)
        for it, settings in t.schedule():
            if it > n:
                break
            fresh.step(it - fresh.iteration)
            fresh.set_hyperparameters(**settings)
        fresh.step(n - fresh.iteration)
        assert np.array_equal(t.snapshot(n).network["dense1.weights"], fresh.network["dense1.weights"]), n


def test_rows_past_max_rows_are_thinned_and_recomputed_exactly():
    X, y = datasets.blobs(20, 3, seed=4)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, 0.25, seed=1)

    def run(**kw):
        t = Trainer(mlp(2, [(8, "tanh")], 3, seed=0), Adam(learning_rate=0.02), Xtr, ytr, X_test=Xte, y_test=yte,
                    batch_size=16, **kw)
        t.step(300)
        t.set_hyperparameters(learning_rate=0.005)  # a change whose row must come back right, too
        t.step(700)
        return t

    small, full = run(max_rows=200), run()
    hs, hf = small.history(), full.history()
    assert np.array_equal(hf["iteration"], np.arange(1001))
    its = hs["iteration"]
    assert len(its) <= 200 and its[0] == 0 and its[-1] == 1000
    assert np.array_equal(its[-100:], np.arange(901, 1001))  # the latest max_rows // 2: every one
    gaps = np.diff(its[its <= 901])                            # older ones: thinned evenly, the oldest most
    assert np.all(np.diff(gaps) <= 0) and gaps.max() <= 2 * 900 / (200 // 4)
    for column in small.columns:                               # kept rows: the very numbers recorded
        assert np.array_equal(hs[column], hf[column][its], equal_nan=True), column
    thinned = [k for k in (1, 299, 300, 301, 555) if k not in set(its.tolist())]
    assert len(thinned) >= 4
    for k in thinned:  # recomputed by replay, bit for bit, settings change included
        assert small.record(k) == full.record(k), k
        assert small.snapshot(k).record == full.record(k), k
    h = small.history(max_points=50, keep=(301, 950))
    assert len(h["iteration"]) <= 53 and {301, 950} <= set(h["iteration"].tolist())
    assert h["loss"][list(h["iteration"]).index(301)] == full.record(301)["loss"]
    assert small.history(upto=555)["iteration"][-1] <= 555
    small.rewind(301)  # a thinned iteration becomes the current one, with its row
    full.rewind(301)
    assert small.history()["iteration"][-1] == 301 and small.record() == full.record()
    small.step(50)
    full.step(50)
    assert np.array_equal(small.network["dense1.weights"], full.network["dense1.weights"])


def test_memory_is_flat_once_the_budgets_are_reached():
    X, y = datasets.blobs(10, 2, seed=3)
    t = Trainer(mlp(2, [(4, "tanh")], 2, seed=0), SGD(learning_rate=0.05), X, y, max_checkpoint_bytes=50_000,
                max_rows=2_000)
    sizes = []
    for _ in range(6):
        t.step(5_000)
        sizes.append(t.nbytes)
    # 30,000 rows seen: the row arrays are full, at max_rows rows of the columns and the
    # iteration, 8 bytes each; the rest of nbytes is the checkpoints, counted afresh.
    rows = 2_000 * (len(t.columns) + 1) * 8
    assert t.nbytes == t.checkpoint_bytes + rows
    per_checkpoint = t.checkpoint_bytes / len(t.checkpoint_iterations)
    assert max(sizes) <= 50_000 + per_checkpoint + rows
    assert max(sizes[2:]) - min(sizes[2:]) <= 50_000 // 2 + per_checkpoint  # 10k..30k: no growth trend


def test_rewinding_to_the_iteration_of_a_settings_change_keeps_that_change():
    def run():
        X, y = datasets.spiral(20, 3, seed=0)
        return Trainer(mlp(2, [(8, "relu")], 3, seed=0), SGD(learning_rate=0.5), X, y, checkpoint_every=25)

    t = run()
    t.step(10)
    t.set_hyperparameters(learning_rate=0.01)
    t.step(10)
    t.rewind(10)  # no checkpoint at 10: replayed from 0, and the change at 10 holds again
    assert t.optimizer.learning_rate == 0.01 and t.record()["learning_rate"] == 0.01
    t.step(5)
    assert np.array_equal(t.snapshot(15).network["dense1.weights"], t.network["dense1.weights"])
    again = run()
    again.step(10)
    again.set_hyperparameters(learning_rate=0.01)
    again.step(5)
    assert np.array_equal(again.network["dense1.weights"], t.network["dense1.weights"])


def test_row_budget_holds_for_small_budgets_and_after_a_rewind():
    X, y = datasets.blobs(10, 2, seed=3)

    def run(max_rows):
        return Trainer(mlp(2, [(4, "tanh")], 2, seed=0), SGD(learning_rate=0.05), X, y, max_rows=max_rows)

    tiny = run(8)
    tiny.step(500)
    # Rows never outgrow the budget: at most 8 rows of the columns and the iteration, 8 bytes each.
    assert len(tiny.history()["iteration"]) <= 8
    assert tiny.nbytes - tiny.checkpoint_bytes <= 8 * (len(tiny.columns) + 1) * 8
    long, fresh = run(64), run(64)
    long.step(3000)
    long.rewind(0)  # back to the start: the next 64 rows are thinned as finely as a fresh run's
    long.step(64)
    fresh.step(64)
    assert np.array_equal(long.history()["iteration"], fresh.history()["iteration"])
    assert np.array_equal(long.history()["loss"], fresh.history()["loss"])


# -- dropout, frozen layers and regression (issue 13) -------------------------------------------------
def dropout_run(batch_size=32, **kw):
    X, y = datasets.spiral(60, 3, seed=0)
    X_test, y_test = datasets.spiral(20, 3, seed=1)
    net = mlp(2, [(16, "relu"), (16, "relu")], 3, seed=2, dropout=0.3)
    return Trainer(net, Adam(learning_rate=0.02), X, y, X_test=X_test, y_test=y_test, batch_size=batch_size,
                   seed=5, checkpoint_every=10, **kw)


def test_dropout_masks_replay_bit_for_bit():
    t = dropout_run()
    seen = {}
    for n in range(1, 36):
        t.step()
        seen[n] = (t.network.get_parameters(), t.network["dense1.dweights"].copy(),
                   [layer.mask.copy() for layer in t.network.layers if isinstance(layer, nncore.Dropout)])
    for n in (1, 9, 10, 11, 23, 35):  # on, before and after checkpoints
        snap = t.snapshot(n)
        params, grads, masks = seen[n]
        for (w, b), (w2, b2) in zip(params, snap.network.get_parameters()):
            assert np.array_equal(w, w2) and np.array_equal(b, b2), n
        assert np.array_equal(grads, snap.network["dense1.dweights"]), n
        replayed = [layer.mask for layer in snap.network.layers if isinstance(layer, nncore.Dropout)]
        assert all(np.array_equal(a, b) for a, b in zip(masks, replayed)), n
    # Each iteration draws its own masks, from default_rng([seed, iteration, 1]) in layer order.
    assert not np.array_equal(seen[1][2][0], seen[2][2][0])
    rng = np.random.default_rng([5, 35, 1])
    first = rng.binomial(1, 0.7, size=(20, 16)) / 0.7  # 180 samples: the epoch's last batch has 20
    assert np.array_equal(seen[35][2][0], first)
    # A rewind and the same steps again give the same run.
    row = t.record(35)
    t.rewind(12)
    t.step(23)
    assert t.record(35) == row


def test_dropout_is_off_for_accuracy_and_the_test_loss():
    t = dropout_run(batch_size=None)
    t.step(5)
    net, rec = t.network, t.record()
    out = net.infer(t.X)
    assert rec["accuracy"] == net.accuracy(out, t.y)
    assert rec["test_loss"] == net.data_loss(net.infer(t.X_test), t.y_test)
    assert rec["test_accuracy"] == net.accuracy(net.infer(t.X_test), t.y_test)
    # The loss is the one the gradient belongs to: the masked pass (it differs from the unmasked).
    assert rec["loss"] == net.data_loss(net.output, t.y) != net.data_loss(out, t.y)


def test_frozen_layers_stay_and_replay_with_their_schedule():
    X, y = datasets.spiral(50, 3, seed=0)
    t = Trainer(mlp(2, [(8, "relu")], 3, seed=1), SGD(learning_rate=0.5, momentum=0.5), X, y, checkpoint_every=10)
    t.step(12)
    t.set_frozen({"dense1"})
    frozen_at = t.network.get_parameters()
    seen = {}
    for n in range(13, 31):
        t.step()
        seen[n] = t.network.get_parameters()
        if n == 24:
            t.set_frozen(())
    assert t.frozen_schedule() == [(0, frozenset()), (12, frozenset({"dense1"})), (24, frozenset())]
    # While frozen (updates 12 -> 24), dense1 kept its weights; dense2 moved; the gradient was recorded.
    assert np.array_equal(seen[24][0][0], frozen_at[0][0]) and np.array_equal(seen[24][0][1], frozen_at[0][1])
    assert not np.array_equal(seen[24][1][0], frozen_at[1][0])
    assert not np.array_equal(seen[25][0][0], frozen_at[0][0])
    assert t.history()["grad_norm.dense1"][20] > 0
    for n in (13, 20, 24, 25, 30):
        snap = t.snapshot(n)
        for (w, b), (w2, b2) in zip(seen[n], snap.network.get_parameters()):
            assert np.array_equal(w, w2) and np.array_equal(b, b2), n
    t.rewind(18)
    assert t.network.frozen == {"dense1"} and t.frozen_schedule()[-1] == (12, frozenset({"dense1"}))
    with pytest.raises(ValueError, match=r"unknown layer\(s\) \['dense7'\]"):
        t.set_frozen({"dense7"})


def test_regression_accuracy_uses_the_training_targets_precision():
    """The book's sine data and chapter-17 network (1-64-64-1, ReLU, linear output, MSE, weights
    0.1 * standard normal, Adam 0.005 / decay 1e-3), in batches of 100: every batch and the test
    set are judged within std(y_train) / 250, fixed once, not by each batch's own spread."""
    X, y = datasets.sine(1000)
    X_train, y_train, X_test, y_test = datasets.train_test_split(X, y, 0.2, seed=0)
    rng, sizes, layers = np.random.default_rng(0), (1, 64, 64, 1), []
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers += [nncore.Dense(a, b, weights=0.1 * rng.standard_normal((a, b))),
                   nncore.ReLU() if k < 2 else nncore.Linear()]
    net = nncore.Network(layers, nncore.MeanSquaredError())
    assert net.loss.precision is None  # until a trainer fixes it
    t = Trainer(net, Adam(learning_rate=0.005, decay=1e-3), X_train, y_train, X_test=X_test, y_test=y_test,
                batch_size=100, seed=0)
    precision = np.std(y_train) / 250
    assert net.loss.precision == nncore.regression_precision(y_train) == precision
    t.step(1000)
    rec = t.record()
    idx = t.batch_indices(t.iteration)
    out = net.infer(X_train[idx])
    assert rec["accuracy"] == np.mean(np.abs(out - y_train[idx]) < precision) > 0.4
    test_out = net.infer(X_test)
    assert rec["test_accuracy"] == np.mean(np.abs(test_out - y_test) < precision) > 0.4
    # The test set's own spread would have judged differently (0.555 against 0.575 here).
    assert rec["test_accuracy"] != np.mean(np.abs(test_out - y_test) < np.std(y_test) / 250)
    assert rec["loss"] < 1e-3 < 0.1 < t.record(0)["loss"]  # sin(2 pi x) has variance 0.5
