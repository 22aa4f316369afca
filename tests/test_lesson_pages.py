"""The lesson pages' Play (speed and timer) and their exercises, through AppTest.

AppTest cannot wait for a ``run_every`` fragment; the clock the player reads is replaced, and a
run with the clock moved on is what the timer's rerun does.
"""

import math
import types

import pytest

import ui.controls
from tests import notes_numbers as notes
from tests.test_app import app, button, iteration
from ui.controls import MAX_TICKS, PLAY_SPEEDS, play_advance, play_tick
from ui.state import K

LESSONS = {"pages/neuron.py": K.NEURON_PLAYING, "pages/layer.py": K.LAYER_PLAYING}


@pytest.mark.parametrize("speed", PLAY_SPEEDS)
def test_every_speed_plays_its_rate_in_at_most_four_reruns_a_second(speed):
    interval, per = play_tick(speed)
    assert per / interval == pytest.approx(speed) and 1 / interval <= MAX_TICKS
    assert play_advance(interval, speed) == per           # a tick on time moves its share
    assert play_advance(interval / 3, speed) == 0         # a Step's own rerun, or an early timer: none
    assert play_advance(60.0, speed) == 2 * per           # a stalled tab does not jump
    assert PLAY_SPEEDS[0] == 1 and PLAY_SPEEDS[-1] >= 20


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ui.controls, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    return now


@pytest.mark.parametrize("page", sorted(LESSONS))
def test_play_moves_with_the_clock_at_the_chosen_speed(page, clock):
    at = app(page)
    button(at, "Play").click().run()
    assert at.session_state[LESSONS[page]] is True and button(at, "Pause") and iteration(at) == 0
    at.run()  # a run before a tick has passed moves nothing
    assert iteration(at) == 0
    for expected in (1, 2, 3):  # the default speed, 2 per second
        clock[0] += 0.5
        at.run()
        assert iteration(at) == expected
    button(at, "Step").click().run()  # a step while playing moves exactly one; the tick starts again
    assert iteration(at) == 4
    at.select_slider(key=K.LESSON_SPEED_WIDGET).set_value(20).run()
    clock[0] += 0.25
    at.run()
    assert iteration(at) == 9  # 20 per second: 5 iterations per rerun, 4 reruns a second
    button(at, "Pause").click().run()
    clock[0] += 5
    at.run()
    assert iteration(at) == 9 and at.session_state[LESSONS[page]] is False


@pytest.mark.parametrize("page", sorted(LESSONS))
def test_play_stops_at_the_last_iteration_and_plays_again_from_the_start(page, clock):
    at = app(page)
    at.slider[0].set_value(199).run()
    button(at, "Play").click().run()
    clock[0] += 0.5
    at.run()
    assert iteration(at) == 200 and at.session_state[LESSONS[page]] is False and button(at, "Play")
    clock[0] += 5
    at.run()
    assert iteration(at) == 200
    button(at, "Play").click().run()
    assert iteration(at) == 0 and at.session_state[LESSONS[page]] is True


def check(at, lesson, it, answers):
    for i, answer in enumerate(answers):
        at.text_input(key=K.prediction(lesson, i, it)).set_value(answer)
    button(at, "Check").click().run()
    assert not at.exception
    return [m.value for m in at.markdown if m.value.startswith("**") and "The notes' number" in m.value]


def test_neuron_exercise_checks_the_next_iteration():
    # From iteration 0 to 1, by hand: ReLU(sum) at iteration 1 is sqrt(the notes' loss of their "Iteration 2");
    # dL/dReLU = 2 ReLU, dL/dw1 = dL/dReLU * 1 * x1 (x1 = -2); w1 was -1 + 0.001 * 24 = -0.976 at iteration 1.
    relu = math.sqrt(notes.NEURON_LOSSES[1])
    dw1 = 2 * relu * -2
    at = app("pages/neuron.py")
    right = check(at, "neuron", 0, [f"{2 * relu:.6g}", f"{dw1:.6g}", f"{-0.976 - 0.001 * dw1:.6g}"])
    assert len(right) == 3 and all("✓" in r for r in right), right
    wrong = check(at, "neuron", 0, [f"{relu:.6g}", f"{2 * relu:.6g}", f"{-0.976 + 0.001 * dw1:.6g}"])
    assert "✗ That is ReLU(sum) itself" in wrong[0]
    assert "✗ That is dL/dReLU; multiply by dReLU/dsum = 1 and by dmul1/dw1 = x1 = -2" in wrong[1]
    assert "✗ Wrong sign" in wrong[2]
    assert f"`{2 * relu!r}`"[:12] in wrong[0]  # then the notes' number is shown


def test_layer_exercise_names_the_missing_factor_and_bad_input():
    # Iteration 0 to 1: the notes' loss at their "Iteration 1" is not printed; y = sqrt(loss) is checked
    # against the app's own first gradient instead: dl/dw23 = dl/dy * 1 * 1 * x3 with x3 = 3.
    at = app("pages/layer.py")
    wrong = check(at, "layer", 0, ["", "abc", "7"])
    assert "no answer" in wrong[0] and "is not a number" in wrong[1] and "factor by factor" in wrong[2]
    # Iteration 0's dl/dy = 2 * 21.6 = 43.2 (loss 466.56 = 21.6**2): "this iteration's" value is named.
    wrong = check(at, "layer", 0, ["43.2", "", ""])
    assert "✗ That is this iteration's dl/dy" in wrong[0]
