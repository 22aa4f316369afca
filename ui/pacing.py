"""How fast a playing session trains: pure functions over explicit numbers, and the batch lock.

A session whose batches took too long (a busy server: many students playing) trains fewer
iterations per frame, in larger batches played at half the frame rate, so everyone keeps a
moving picture: graceful, per session, no shared state. The run itself is unchanged: iteration
N is the same however it is reached.

Measured, 60 sessions on two processes behind nginx on 2 cores (bench/load_test.py, README "A
class"): each process trains and sends about 450 frames/s, so 30 sessions get about 15 frames/s
each. At 24 frames/s they all asked for more than that, the queue for the batch lock grew to 3 s,
longer than the film they had, and 1 run in 3 met the 1-s freeze target; at BUSY_FPS, with the
lock first come first served and a long turn cut short when others queue, 23 runs in 23 did.
"""

import collections
import threading

GRID = 64               # finest grid the browser samples the network on (GRID x GRID) ...
MIN_GRID = 24           # ... coarsest, for the widest networks
CURVE = 256             # most x values a 1-D network's fitted curve is sampled at (a 1-D "grid")
GRID_MACS = 6_000_000   # multiply-adds the browser spends on one frame's grid (about 10 ms in Chromium)
FRAMES_PER_BATCH = 24   # frames per server run while playing (1 s): the browser plays them at FPS
BUSY_FRAMES = 48        # ... and on a busy server: fewer, larger runs (2 s of frames at FPS, played at BUSY_FPS)
START_SCALE = 0.05      # Play starts at a twentieth of the speed and speeds up (x2 a batch while
                        # the server has room, full speed within 5 s): a class pressing Play at once
                        # does not bury the server. Measured, 30 sessions at once on one process
                        # (2 of 2 runs each): from 0.25, longest freeze 2.0-6.5 s; from 0.1,
                        # 1.1-1.3 s; from 0.05, 0.4-0.6 s
MIN_SCALE = 0.01
BUSY_SCALE = 0.04       # where a crowded batch puts a session: below START_SCALE, busy
BUDGET = 0.5            # share of its film's time a session's batch may take when it had to wait for
                        # BATCH_LOCK (others are playing) ...
BUDGET_ALONE = 0.65     # ... and when it did not. Measured on a 0.43 ms step: 0.5 holds one session at
                        # ~740 iterations/s, 0.65 reaches ~1,160 (speed 50 at full scale is 1,200); 0.65
                        # for everyone let 30 sessions freeze 1.4 s in 1 of 5 runs (0.5: 0 of 5)
WAITED = 0.005          # seconds of waiting for BATCH_LOCK that count as sharing the server
FPS = 24                # x 50 iterations per frame (the default speed): 1,200 iterations/s
BUSY_FPS = 12           # the film's frame rate on a busy server (module docstring)
CROWDED = 0.25          # a batch that waited for BATCH_LOCK this share of its frames' time at FPS: busy
YIELD_AFTER = 0.1       # seconds a batch holds BATCH_LOCK at its full stride while others queue; its
                        # other frames take one iteration each: a session that sped up alone must not
                        # make a class that just joined wait for its 0.7-s batches


class FairLock:
    """One session's batch of frames at a time, first come first served; ``waiting()`` says how
    many queue behind the holder, so it can cut its turn short.

    One at a time: NumPy releases the GIL in most calls at these sizes, and 30 script threads taking
    turns at every release spent 8x the CPU of one uncontended batch (measured: 91 ms instead of 11 ms
    for 48 frames). First come first served: with a plain Lock one session waited 6.4 s while others
    went in twice (60 sessions on two processes). It holds no session's data, only the queue's tickets.
    A hand-over wakes the next in line only (a Condition's notify_all woke all 30, to check and sleep again).
    """

    _event = threading.Event   # what a caller waits on (a test may interrupt the wait)

    def __init__(self):
        self._mutex = threading.Lock()
        self._queue = collections.deque()   # an Event per caller, in order of arrival; the holder's first

    def __enter__(self):
        me = self._event()
        with self._mutex:
            self._queue.append(me)
            if self._queue[0] is me:
                me.set()
        try:
            me.wait()
        except BaseException:  # never leave a ticket behind: everyone after it would wait forever
            with self._mutex:
                if self._queue[0] is me:  # its turn came meanwhile: pass it on
                    self._hand_over()
                else:
                    self._queue.remove(me)
            raise
        return self

    def __exit__(self, *exc):
        with self._mutex:
            self._hand_over()

    def _hand_over(self):
        """The holder leaves; the next in line (if any) may go. Called with the mutex held."""
        self._queue.popleft()
        if self._queue:
            self._queue[0].set()

    def waiting(self):
        """How many sessions queue for the lock besides the holder."""
        return max(0, len(self._queue) - 1)


BATCH_LOCK = FairLock()


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


def fps(playing, scale):
    """Frames per second the browser plays a session's batches at."""
    return BUSY_FPS if busy(playing, scale) else FPS


def play_plan(speed, scale):
    """(iterations per frame, frames per batch) of a playing session's next batch."""
    return max(1, round(speed * scale)), BUSY_FRAMES if busy(True, scale) else FRAMES_PER_BATCH


def adapt(scale, elapsed, frames, waited=0.0, trained=1.0):
    """The scale after a batch of ``frames`` took ``elapsed`` seconds of wall time (the wait for
    BATCH_LOCK included: that is where other sessions show, ``waited`` of it): aim to spend at most
    BUDGET of the time those frames play for at FPS, BUDGET_ALONE if the batch did not wait for the
    lock. A batch that waited CROWDED of that time is on a busy server: below the start scale. A batch
    whose turn was cut short (it ``trained`` that share of its planned iterations) never speeds up: it
    goes on at the stride it could afford, so its next film moves evenly.

    The time counted is the frames' at FPS even for a busy film (which plays them at BUSY_FPS, over
    twice that): the budgets are the ones measured."""
    film = frames / FPS
    budget = BUDGET_ALONE if waited < WAITED else BUDGET
    room = budget * film / max(elapsed, 1e-3)
    # Grow only with a margin (a speed that just fits would make every late batch a stall), and a busy
    # server still shrinks everyone as soon as batches run late.
    grow = 2.0 if room > 3 else 1.25 if room > 1.2 else min(1.0, room)
    new = min(1.0, max(MIN_SCALE, scale * grow))
    if trained < 1:
        new = min(new, max(MIN_SCALE, scale * trained))
    return min(new, BUSY_SCALE) if waited > CROWDED * film else new
