"""Pacing: hand-computed scales, plans and grids (room = budget * frames / FPS / elapsed; budget 0.65
for a batch that did not wait for the batch lock, 0.5 for one that did)."""

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
    (0.25, 1.0, 0.5, 0.125),    # waited, room 0.5 -> half
])
def test_a_batch_that_waited_for_others_spends_less(scale, elapsed, waited, expected):
    assert pacing.adapt(scale, elapsed, 24, waited) == pytest.approx(expected, rel=1e-12)


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


@pytest.mark.parametrize("macs, side", [
    (2 * 16 + 16 * 3, 64),                      # 2-16-3: capped at the finest grid
    (6_000_000 // 40**2, 40),                   # exactly 40 x 40 within the budget
    (2 * 128 + 128 * 128 + 128 * 3, 24),        # 2-128-128-3: sqrt(6e6 / 16,896) = 18.8, floored at 24
])
def test_grid_size_keeps_the_browsers_work_per_frame_bounded(macs, side):
    assert pacing.grid_size(macs) == side


def test_the_batch_lock_lets_one_batch_in_at_a_time():
    assert pacing.BATCH_LOCK.acquire(blocking=False)
    try:
        assert not pacing.BATCH_LOCK.acquire(blocking=False)  # a second session waits its turn
    finally:
        pacing.BATCH_LOCK.release()
