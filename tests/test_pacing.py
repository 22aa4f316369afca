"""Pacing: hand-computed scales, plans and grids (room = budget * frames / FPS / elapsed; budget 0.65
for a batch that did not wait for the batch lock, 0.5 for one that did; a batch that waited over a
quarter of its film's time puts the session at BUSY_SCALE or below), and the batch lock."""

import threading
import time

import pytest

from ui import pacing


@pytest.mark.parametrize("scale, elapsed, frames, expected", [
    (0.5, 0.1, 24, 1.0),        # 24 frames at 24 fps in 0.1 s: room 6.5 -> x2, capped at 1
    (0.25, 0.1, 24, 0.5),       # room 6.5 -> x2
    (0.25, 0.25, 24, 0.3125),   # room 2.6 -> x1.25
    (0.25, 0.5, 24, 0.3125),    # room 1.3 -> x1.25
    (0.25, 0.55, 24, 0.25),     # room 1.18: no clear margin, and it fits: unchanged
    (0.25, 1.0, 24, 0.1625),    # room 0.65: the batch took 1/0.65 of its budget -> x0.65
    (0.5, 2.0, 48, 0.325),      # 48 frames (2 s of film) in 2 s: room 0.65 -> x0.65
    (0.02, 10.0, 24, 0.01),     # room 0.065 -> 0.0013, floored at 0.01
    (0.25, 0.0, 24, 0.5),       # no measurable time: counted as 1 ms (room 650) -> x2
])
def test_adapt(scale, elapsed, frames, expected):
    assert pacing.adapt(scale, elapsed, frames) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale, elapsed, waited, expected", [
    (0.25, 0.5, 0.0, 0.3125),   # alone: room 0.65 / 0.5 = 1.3 -> x1.25
    (0.25, 0.5, 0.004, 0.3125), # 4 ms of waiting is still alone
    (0.25, 0.5, 0.2, 0.25),     # waited for others: room 0.5 / 0.5 = 1.0 -> unchanged
    (0.25, 1.0, 0.2, 0.125),    # waited, room 0.5 -> half
    (0.25, 1.0, 0.3, 0.04),     # waited 0.3 s of its 1-s film (over CROWDED): busy, at BUSY_SCALE
    (1.0, 0.3, 0.26, 0.04),     # room 1.67 would grow it, but it waited 0.26 s: busy
    (0.02, 1.0, 0.5, 0.01),     # already below BUSY_SCALE: room 0.5 -> 0.01
])
def test_a_batch_that_waited_for_others_spends_less(scale, elapsed, waited, expected):
    assert pacing.adapt(scale, elapsed, 24, waited) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale, elapsed, trained, expected", [
    (1.0, 0.12, 0.25, 0.25),    # cut short after a quarter of its iterations: room 4.3 would double it
    (0.5, 0.12, 0.01, 0.01),    # floored at MIN_SCALE
    (0.5, 3.0, 0.5, 0.0833),    # late as well: room 0.5 / 3 x 0.5 = 0.083 is smaller
])
def test_a_turn_cut_short_goes_on_at_the_stride_it_could_afford(scale, elapsed, trained, expected):
    assert pacing.adapt(scale, elapsed, 24, 0.01, trained) == pytest.approx(expected, rel=1e-2)


@pytest.mark.parametrize("speed, scale, expected", [
    (50, 1.0, (50, 24)),
    (50, 0.25, (12, 24)),       # round(12.5) is 12 (half to even)
    (50, 0.05, (2, 24)),        # round(2.5) is 2; at the start scale: not busy
    (50, 0.04, (2, 48)),        # below the start scale: busy, larger batches
    (100, 0.5, (50, 24)),
    (1, 0.01, (1, 48)),         # never below one iteration per frame
])
def test_play_plan(speed, scale, expected):
    assert pacing.play_plan(speed, scale) == expected


def test_busy_needs_playing_and_a_scale_below_the_start():
    assert pacing.busy(True, 0.04) and not pacing.busy(False, 0.04) and not pacing.busy(True, 0.05)


def test_a_busy_film_plays_at_half_the_frame_rate():
    assert (pacing.fps(True, 0.04), pacing.fps(True, 0.05), pacing.fps(False, 0.04)) == (12, 24, 24)


@pytest.mark.parametrize("macs, side", [
    (2 * 16 + 16 * 3, 64),                      # 2-16-3: capped at the finest grid
    (6_000_000 // 40**2, 40),                   # exactly 40 x 40 within the budget
    (2 * 128 + 128 * 128 + 128 * 3, 24),        # 2-128-128-3: sqrt(6e6 / 16,896) = 18.8, floored at 24
])
def test_grid_size_keeps_the_browsers_work_per_frame_bounded(macs, side):
    assert pacing.grid_size(macs) == side


def queue_behind(lock, name, order):
    """A thread that takes ``lock`` once it is its turn and notes ``name``; returns once it queues."""
    before = lock.waiting()
    t = threading.Thread(target=lambda: (lock.__enter__(), order.append(name), lock.__exit__(None, None, None)))
    t.start()
    deadline = time.monotonic() + 10
    while lock.waiting() == before:
        assert time.monotonic() < deadline, f"{name} never queued"
        time.sleep(0.001)
    return t


def test_the_batch_lock_lets_one_batch_in_at_a_time_first_come_first_served():
    lock, order = pacing.FairLock(), []
    with lock:
        assert lock.waiting() == 0
        threads = [queue_behind(lock, name, order) for name in "abcde"]
        assert lock.waiting() == 5 and order == []  # they wait their turn
    for t in threads:
        t.join(10)
    assert order == list("abcde") and lock.waiting() == 0


def test_a_session_interrupted_while_queueing_does_not_block_the_ones_after_it():
    lock, order = pacing.FairLock(), []

    class Interrupted(threading.Event):
        def wait(self, timeout=None):
            if threading.current_thread().name == "interrupted":
                raise KeyboardInterrupt
            return super().wait(timeout)

    def interrupted():
        try:
            lock.__enter__()
        except KeyboardInterrupt:
            order.append("interrupted")

    lock._event = Interrupted
    with lock:
        t = threading.Thread(target=interrupted, name="interrupted")
        t.start()
        t.join(10)  # it queued, then left with its exception
        assert order == ["interrupted"] and lock.waiting() == 0
        after = queue_behind(lock, "after", order)
    after.join(10)
    assert order == ["interrupted", "after"] and lock.waiting() == 0


def test_a_session_interrupted_as_its_turn_came_passes_the_turn_on():
    lock, order = pacing.FairLock(), []

    class Interrupted(threading.Event):
        def wait(self, timeout=None):
            raise KeyboardInterrupt  # after its turn was given (the lock was free)

    lock._event = Interrupted
    with pytest.raises(KeyboardInterrupt):
        lock.__enter__()
    assert lock.waiting() == 0
    lock._event = threading.Event
    t = threading.Thread(target=lambda: (lock.__enter__(), order.append("next"), lock.__exit__(None, None, None)))
    t.start()
    t.join(10)  # a ticket left behind would hold it forever
    assert order == ["next"] and not t.is_alive()
