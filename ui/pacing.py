"""How fast a playing session trains: pure functions over explicit numbers, and the batch lock.

A session whose batches took too long (a busy server: many students playing) trains fewer
iterations per frame in larger batches, so everyone keeps a moving picture: graceful, per
session, no shared state. The run itself is unchanged: iteration N is the same however it
is reached.
"""

import threading

GRID = 64               # finest grid the browser samples the network on (GRID x GRID) ...
MIN_GRID = 24           # ... coarsest, for the widest networks
CURVE = 256             # most x values a 1-D network's fitted curve is sampled at (a 1-D "grid")
GRID_MACS = 6_000_000   # multiply-adds the browser spends on one frame's grid (about 10 ms in Chromium)
FRAMES_PER_BATCH = 24   # frames per server run while playing (1 s): the browser plays them at FPS
BUSY_FRAMES = 48        # ... and on a busy server: fewer, larger runs (2 s of frames)
START_SCALE = 0.05      # Play starts at a twentieth of the speed and speeds up (x2 a batch while
                        # the server has room, full speed within 5 s): a class pressing Play at once
                        # does not bury the server. Measured, 30 sessions at once on one process
                        # (2 of 2 runs each): from 0.25, longest freeze 2.0-6.5 s; from 0.1,
                        # 1.1-1.3 s; from 0.05, 0.4-0.6 s
MIN_SCALE = 0.01
BUDGET = 0.5            # share of its film's time a session's batch may take when it had to wait for
                        # BATCH_LOCK (others are playing) ...
BUDGET_ALONE = 0.65     # ... and when it did not. Measured on a 0.43 ms step: 0.5 holds one session at
                        # ~740 iterations/s, 0.65 reaches ~1,160 (speed 50 at full scale is 1,200); 0.65
                        # for everyone let 30 sessions freeze 1.4 s in 1 of 5 runs (0.5: 0 of 5)
WAITED = 0.005          # seconds of waiting for BATCH_LOCK that count as sharing the server
FPS = 24                # x 50 iterations per frame (the default speed): 1,200 iterations/s

# One session's batch of frames at a time. Not state (it holds no data): NumPy releases the GIL in
# most calls at these sizes, and 30 script threads taking turns at every release spent 8x the CPU
# of one uncontended batch (measured: 91 ms instead of 11 ms for 48 frames).
BATCH_LOCK = threading.Lock()


def busy(playing, scale):
    """Playing, and its batches ran slow enough to push it below its starting speed: the
    server is shared by many."""
    return bool(playing) and scale < START_SCALE


def grid_size(macs_per_point):
    """The side of the grid the browser samples a network of ``macs_per_point`` multiply-adds per
    input point on: as fine as GRID_MACS allows, between MIN_GRID and GRID (the browser computes it;
    a busy server does not care)."""
    side = int((GRID_MACS / max(int(macs_per_point), 1)) ** 0.5)
    return max(MIN_GRID, min(GRID, side))


def curve_size(macs_per_point):
    """The number of x values the browser samples a 1-D (regression) network of ``macs_per_point``
    multiply-adds on: GRID_MACS spent along one line, between MIN_GRID and CURVE."""
    return max(MIN_GRID, min(CURVE, GRID_MACS // max(int(macs_per_point), 1)))


def play_plan(speed, scale):
    """(iterations per frame, frames per batch) of a playing session's next batch."""
    return max(1, round(speed * scale)), BUSY_FRAMES if busy(True, scale) else FRAMES_PER_BATCH


def adapt(scale, elapsed, frames, waited=0.0):
    """The scale after a batch of ``frames`` took ``elapsed`` seconds of wall time (the wait for
    BATCH_LOCK included: that is where other sessions show, ``waited`` of it): aim to spend at most
    BUDGET of the time those frames play for, BUDGET_ALONE if the batch did not wait for the lock."""
    budget = BUDGET_ALONE if waited < WAITED else BUDGET
    room = budget * frames / FPS / max(elapsed, 1e-3)
    # Grow only with a margin (a speed that just fits would make every late batch a stall), and a busy
    # server still shrinks everyone as soon as batches run late.
    grow = 2.0 if room > 3 else 1.25 if room > 1.2 else min(1.0, room)
    return min(1.0, max(MIN_SCALE, scale * grow))
