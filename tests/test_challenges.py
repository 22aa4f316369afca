"""The challenges' success tests on runs trained by nncore (a known solution passes, a bad setting
fails), on hand-made histories at known numbers, and the links' lock parsing against hostile values."""

from dataclasses import replace

import numpy as np
import pytest

from ui import challenges as ch
from ui.run import PlaygroundRun
from ui.state import Config, K


def trained(cfg, iterations):
    """(state, history up to the last iteration) of a playground run of ``cfg``, as the page builds it."""
    state = {}
    run = PlaygroundRun(state)
    run.apply_config(cfg)
    run.step(iterations)
    return state, run.trainer.history(upto=run.view(), keep=(run.view(),))


def verdict(challenge_id, cfg, iterations, stage=0):
    _, history = trained(cfg, iterations)
    return ch.CHALLENGES[challenge_id].stages[stage].test(cfg, history)


def start(challenge_id, **changes):
    return replace(ch.CHALLENGES[challenge_id].start, **changes)


def history(**columns):
    """A one-row history (the iteration on view) with these columns."""
    return {"iteration": np.array([columns.pop("iteration", 100)]), **{k: np.array([v]) for k, v in columns.items()}}


# -- known solutions pass, bad settings fail (trained by nncore) ----------------------------------
def test_spiral_two_tanh_layers_of_8_pass_and_one_relu_layer_fails():
    ok, text = verdict("spiral", start("spiral", hidden=((8, "tanh"),) * 2), 3000)
    assert ok and text == "test accuracy 82% (goal 80%)", text
    ok, text = verdict("spiral", start("spiral"), 3000)  # one layer of 8 ReLUs: stuck near a third
    assert not ok and text == "test accuracy 45% (goal 80%)", text


def test_spiral_too_large_a_network_is_not_allowed_whatever_its_accuracy():
    ok, text = verdict("spiral", start("spiral", hidden=((8, "tanh"),) * 3), 50)
    assert not ok and text.startswith("3 hidden layers: at most 2 allowed"), text
    ok, text = verdict("spiral", start("spiral", hidden=((16, "tanh"),)), 50)
    assert not ok and text.startswith("a layer of 16 neurons: at most 8 per layer"), text


def test_vanishing_three_sigmoid_layers_vanish_at_the_start_one_does_not():
    ok, text = verdict("vanishing", start("vanishing", hidden=((8, "sigmoid"),) * 3), 0)
    assert ok and "x smaller" in text, text
    ok, text = verdict("vanishing", start("vanishing"), 0)
    assert not ok, text


@pytest.mark.parametrize("fix", [dict(optimizer="adam", learning_rate=0.01),
                                 dict(hidden=((8, "tanh"),) * 3, optimizer="adam", learning_rate=0.05)])
def test_vanishing_fixed_by_adam_or_tanh_with_three_layers(fix):
    cfg = start("vanishing", **{"hidden": ((8, "sigmoid"),) * 3, **fix})
    ok, text = verdict("vanishing", cfg, 400, stage=1)
    assert ok and "test accuracy 100%" in text, text


def test_vanishing_not_fixed_by_sgd_stuck_nor_by_a_shallow_network():
    ok, text = verdict("vanishing", start("vanishing", hidden=((8, "sigmoid"),) * 3), 500, stage=1)
    assert not ok and "test accuracy 38%" in text, text  # the gradients are alike: all near zero
    ok, text = verdict("vanishing", start("vanishing", hidden=((8, "relu"),)), 500, stage=1)
    assert not ok and text == "1 hidden layer: keep at least 3", text


def test_xor_two_tanh_neurons_pass_eight_are_too_many_two_stuck_fail():
    ok, text = verdict("xor", start("xor", hidden=((2, "tanh"),), optimizer="sgd", learning_rate=0.5), 250)
    assert ok and text == "2 hidden neurons, test accuracy 100% (goal 100%)", text
    ok, text = verdict("xor", start("xor"), 250)  # 8 ReLUs solve it, but 8 is too many
    assert not ok and text == "8 hidden neurons: at most 2 in all (test accuracy 100%)", text
    ok, text = verdict("xor", start("xor", hidden=((2, "tanh"),)), 1000)  # Adam 0.01 ends in a local minimum
    assert not ok and "test accuracy 70%" in text, text


def test_learning_rate_4_passes_by_300_and_a_crossing_is_kept_when_viewed_later():
    ok, text = verdict("learning-rate", start("learning-rate", learning_rate=4.0), 300)
    assert ok and text.startswith("loss 0.0") and " at iteration 38 (goal < 0.1 by 300)" in text, text
    ok, again = verdict("learning-rate", start("learning-rate", learning_rate=4.0), 400)
    assert ok and again == text


@pytest.mark.parametrize("lr, best", [(0.01, "0.691"), (1.0, "0.247")])
def test_learning_rate_too_small_stalls(lr, best):
    ok, text = verdict("learning-rate", start("learning-rate", learning_rate=lr), 300)
    assert not ok and text == f"lowest loss by iteration 300: {best} (goal < 0.1 by 300)", text


# -- success tests at known numbers -----------------------------------------------------------------
def test_vanishing_ratio_boundaries():
    test = ch.CHALLENGES["vanishing"].stages[0].test
    cfg = start("vanishing", hidden=((8, "sigmoid"),) * 3)
    assert test(cfg, history(**{"grad_norm.dense1": 0.0005, "grad_norm.dense4": 0.1})) == \
        (True, "|dL/dW| first layer 0.0005, output 0.1: 200x smaller (goal: 100x)")
    assert test(cfg, history(**{"grad_norm.dense1": 0.002, "grad_norm.dense4": 0.1}))[0] is False  # 50x
    assert test(cfg, history(**{"grad_norm.dense1": 0.0, "grad_norm.dense4": 0.0}))[0] is False  # no gradient


def test_fixed_needs_both_within_10x_and_90_percent():
    test = ch.CHALLENGES["vanishing"].stages[1].test
    cfg = start("vanishing", hidden=((8, "tanh"),) * 3)
    good = {"grad_norm.dense1": 0.02, "grad_norm.dense4": 0.1, "test_accuracy": 0.9}
    assert test(cfg, history(**good))[0] is True  # 5x and exactly 90%
    assert test(cfg, history(**{**good, "grad_norm.dense1": 0.005}))[0] is False  # 20x
    assert test(cfg, history(**{**good, "grad_norm.dense1": 2.0}))[0] is False    # 20x the other way
    assert test(cfg, history(**{**good, "test_accuracy": 0.89}))[0] is False


def test_speed_uses_the_first_crossing_up_to_the_limit():
    test = ch.CHALLENGES["learning-rate"].stages[0].test
    cfg = start("learning-rate")
    h = {"iteration": np.array([0, 250, 300, 301]), "loss": np.array([0.69, 0.2, 0.1, 0.05])}
    assert test(cfg, h) == (False, "lowest loss by iteration 300: 0.1 (goal < 0.1 by 300)")  # 0.1 is not < 0.1
    h["loss"][2] = 0.0999
    assert test(cfg, h) == (True, "loss 0.0999 at iteration 300 (goal < 0.1 by 300)")


def test_check_remembers_stages_and_moves_to_the_next():
    state = {}
    ch.choose(state, "vanishing")
    cfg = start("vanishing", hidden=((8, "sigmoid"),) * 3)
    vanished = history(**{"grad_norm.dense1": 1e-9, "grad_norm.dense4": 0.08, "test_accuracy": 0.5})
    p = ch.check(state, cfg, vanished)
    assert (p.stage, p.met, p.new, p.done) == (0, True, True, False)
    p = ch.check(state, cfg, vanished)
    assert (p.stage, p.met, p.new) == (1, False, False)  # stage 2 from now on
    fixed = history(**{"grad_norm.dense1": 0.01, "grad_norm.dense4": 0.02, "test_accuracy": 1.0})
    p = ch.check(state, cfg, fixed)
    assert (p.stage, p.met, p.new, p.done) == (1, True, True, True)
    p = ch.check(state, cfg, vanished)  # undone later: the badge stays, the numbers say what is true
    assert (p.met, p.done, p.new) == (True, True, False) and "test accuracy 50%" in p.text
    assert state[K.CHALLENGES_MET] == {("vanishing", 0), ("vanishing", 1)}
    assert ch.check(state, cfg, None).text == ""  # while playing: not checked


def test_check_refuses_a_config_off_the_challenge_data():
    state = {}
    ch.choose(state, "xor")
    p = ch.check(state, start("xor", dataset="moons"), history(test_accuracy=1.0))
    assert not p.met and p.text == "this challenge needs dataset=xor"


# -- links ----------------------------------------------------------------------------------------------
def test_a_link_locks_its_fields_at_the_links_values_and_the_challenges_data_at_its_own():
    state = {}
    params = {"challenge": "xor", "lock": "hidden, optimizer", "hidden": "3relu", "optimizer": "sgd",
              "dataset": "spiral"}
    cfg, notes = ch.from_link(state, params)
    assert notes == ["the xor challenge fixes dataset; using its values"]
    assert cfg.dataset == "xor" and cfg.hidden == ((3, "relu"),) and cfg.optimizer == "sgd"
    assert ch.link_locks(state) == ("hidden", "optimizer")
    assert ch.locks(state) == {**{f: getattr(ch.CHALLENGES["xor"].start, f) for f in Config.DATA_FIELDS},
                               "hidden": ((3, "relu"),), "optimizer": "sgd"}
    # whatever the widgets say later, the locked settings hold
    moved = ch.enforce(state, replace(cfg, hidden=((64, "relu"),), optimizer="adam", learning_rate=0.1))
    assert moved.hidden == ((3, "relu"),) and moved.optimizer == "sgd" and moved.learning_rate == 0.1
    # A link names what differs from the challenge's start (noise, learning rate and seeds are its own).
    assert ch.link_query(state, cfg, ch.link_locks(state)) == {"hidden": "3relu", "optimizer": "sgd",
                                                              "challenge": "xor", "lock": "hidden,optimizer"}


def test_a_bare_challenge_link_starts_from_the_challenge_and_a_setting_back_at_the_default_stays_in_the_link():
    state = {}
    cfg, notes = ch.from_link(state, {"challenge": "vanishing"})
    assert cfg == ch.CHALLENGES["vanishing"].start and notes == []
    assert ch.link_query(state, cfg, ()) == {"challenge": "vanishing"}
    adam = replace(cfg, optimizer="adam")  # Config's default, not the challenge's
    query = ch.link_query(state, adam, ())
    assert query == {"optimizer": "adam", "challenge": "vanishing"}
    assert ch.from_link({}, query)[0] == adam


@pytest.mark.parametrize("params, cid, lock, note", [
    ({"challenge": "<script>alert(1)</script>"}, None, (), "challenge=<script>alert(1)</script> is not one of"),
    ({"challenge": "x" * 10_000}, None, (), "challenge=" + "x" * 40 + " is not one of"),
    ({"challenge": "xor", "lock": "hidden,__class__,../../etc"}, "xor", ("hidden",),
     "lock: __class__, ../../etc are not settings; not locked"),
    ({"challenge": "xor", "lock": "," * 5000 + "optimizer"}, "xor", (), None),  # cut at 200 characters
    ({"challenge": "xor", "lock": "optimizer,optimizer,Optimizer"}, "xor", ("optimizer",),
     "lock: Optimizer is not a setting; not locked"),
    ({"lock": "hidden"}, None, (), "lock= needs a challenge; nothing is locked"),
    ({"challenge": "nope", "lock": "hidden,zzz"}, None, (), "challenge=nope is not one of"),
    ({"challenge": "spiral", "lock": ""}, "spiral", (), None),
    ({"challenge": "spiral", "lock": ",".join(f"f{i}" for i in range(50))}, "spiral", (),
     "lock: f0, f1, f2, f3, f4 … are not settings; not locked"),
])
def test_hostile_links_fall_back_with_a_note_naming_what_was_wrong(params, cid, lock, note):
    got_id, got_lock, notes = ch.parse_link(params)
    assert (got_id, got_lock) == (cid, lock)
    if note is None:
        assert notes == []
    else:
        assert notes[0].startswith(note), notes
        assert len(notes) == 1 or notes[1:] == ["lock= needs a challenge; nothing is locked"], notes
        assert len(notes[0]) < 200


def test_choosing_no_challenge_unlocks_everything():
    state = {}
    ch.choose(state, "learning-rate")
    assert "optimizer" in ch.locks(state)
    assert ch.choose(state, None) is None and ch.locks(state) == {} and ch.active(state) is None


def test_locks_that_clash_with_the_challenges_data_are_locked_as_validation_leaves_them():
    state = {}
    cfg, _ = ch.from_link(state, {"challenge": "spiral", "dataset": "moons", "classes": "2", "output": "sigmoid",
                                  "lock": "output"})
    assert (cfg.dataset, cfg.classes, cfg.output) == ("spiral", 3, "softmax")
    assert ch.locks(state)["output"] == "softmax" and ch.enforce(state, cfg).validated() == (cfg, [])
