"""The lesson pages' Play timer, through AppTest.

AppTest cannot wait for a ``run_every`` fragment, so a stand-in for ``st.fragment`` records
the timer each run draws and, when the test fires it, runs the page's own fragment body
once more, as Streamlit does when the interval has passed.
"""

import pytest
import streamlit

from tests import notes_numbers as notes
from tests.test_app import app, button, iteration
from ui.state import K

LESSONS = {  # page: (its play key, iterations in the notes' loop)
    "pages/neuron.py": (K.NEURON_PLAYING, len(notes.NEURON_LOSSES)),          # one printed loss per iteration
    "pages/layer.py": (K.LAYER_PLAYING, 20 * len(notes.LAYER_LOSSES_NOTES)),  # printed every 20th
}


class Timer:
    def __init__(self, real):
        self.real = real
        self.intervals = []  # run_every of each timed fragment drawn, one per run
        self.due = 0         # firings to deliver in the next run

    def fragment(self, func=None, *, run_every=None, **kwargs):
        if run_every is None:  # untimed fragments are Streamlit's own
            return self.real(func, **kwargs) if func is not None else self.real(**kwargs)

        def decorate(body):
            def drawn():
                self.intervals.append(run_every)
                body()  # the call of the run that draws the fragment
                while self.due:
                    self.due -= 1
                    body()  # the timer's: its st.rerun() ends this run and starts the next
            return drawn
        return decorate

    def fire(self, at):
        self.due = 1
        at.run()
        assert self.due == 0, "no timer was drawn to fire"
        assert not at.exception, at.exception


@pytest.fixture
def timer(monkeypatch):
    t = Timer(streamlit.fragment)
    monkeypatch.setattr(streamlit, "fragment", t.fragment)
    return t


@pytest.mark.parametrize("page", sorted(LESSONS))
def test_play_arms_a_timer_that_advances_one_iteration_per_tick(page, timer):
    playing_key = LESSONS[page][0]
    at = app(page)
    assert timer.intervals == [] and iteration(at) == 1  # paused: no timer
    button(at, "Play").click().run()
    assert at.session_state[playing_key] is True and button(at, "Pause")
    assert timer.intervals == [0.4] and iteration(at) == 1  # armed; drawing it advanced nothing
    at.run()  # any other full run while playing (a widget, a resize) must not advance either
    assert iteration(at) == 1 and timer.intervals[-1] == 0.4
    for expected in (2, 3, 4):
        timer.fire(at)
        assert iteration(at) == expected
    button(at, "Step").click().run()  # a step while playing moves exactly one, then the timer goes on
    assert iteration(at) == 5
    timer.fire(at)
    assert iteration(at) == 6


@pytest.mark.parametrize("page", sorted(LESSONS))
def test_play_stops_at_the_last_iteration(page, timer):
    playing_key, last = LESSONS[page]
    at = app(page)
    button(at, "Play").click().run()
    at.slider[0].set_value(last - 1).run()
    timer.fire(at)
    assert iteration(at) == last and at.session_state[playing_key] is True
    timer.fire(at)  # at the last iteration the tick stops play instead of moving on
    assert iteration(at) == last and at.session_state[playing_key] is False and button(at, "Play")
    drawn = len(timer.intervals)
    at.run()
    assert len(timer.intervals) == drawn and iteration(at) == last  # no timer any more
    button(at, "Play").click().run()  # playing again from the end: the next tick stops at once
    timer.fire(at)
    assert iteration(at) == last and at.session_state[playing_key] is False
