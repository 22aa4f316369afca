// Unit tests of the live view's player (ui/live/player.js), with a hand-driven clock.
// Run: node --test tests/js/
//
// The expected numbers are worked out by hand from the pacing rule:
//   pace = max(min(min_fps, fps), fps * min(1, queued / max(full_min, ceil(last batch * full_share))))
//   ask while queued < max(ask_min, ceil(ask_seconds * fps), last batch + 1)

import assert from "node:assert/strict";
import { test } from "node:test";

import { Player, curveUpTo } from "../../ui/live/player.js";
import { PACING } from "./pacing.mjs";

function setup() {
  const clock = { t: 0 };
  const asks = [];
  const paused = [];
  const p = new Player({
    now: () => clock.t,
    onAsk: (seq) => asks.push([seq, p.frames.length]),
    onPausedAt: (it) => paused.push(it),
  });
  return { p, clock, asks, paused };
}

// Frames for iterations from..to (inclusive), loss = 1 / iteration.
function frames(from, to) {
  const out = [];
  for (let i = from; i <= to; i++) out.push({ iteration: i, loss: 1 / i });
  return out;
}

function payload(seq, fr, extra = {}) {
  return { seq, playing: true, fps: 20, frames: fr, history: { it: [], loss: [] }, pacing: PACING, ...extra };
}

// Tick every ms up to `until`; return [time, iteration] each time a new frame went on screen.
function run(p, clock, until) {
  const shown = [];
  for (; clock.t <= until; clock.t++) if (p.tick()) shown.push([clock.t, p.current.iteration]);
  clock.t = until;
  return shown;
}

test("pace: full fps with half a batch queued, slower below, never under min_fps", () => {
  const { p } = setup();
  p.ingest(payload(1, frames(1, 24), { fps: 24 })); // a fresh mount shows frame 1 at once
  assert.equal(p.current.iteration, 1);
  assert.equal(p.frames.length, 23);
  assert.equal(p.pace(), 24); // 23 queued >= 12 (half of 24)
  p.frames.length = 12;
  assert.equal(p.pace(), 24);
  p.frames.length = 3;
  assert.equal(p.pace(), 6); // 24 * 3/12
  p.frames.length = 1;
  assert.equal(p.pace(), 4); // max(4, 24 * 1/12): min_fps
  p.frames.length = 0;
  assert.equal(p.pace(), 4); // the slowest pace, not 0: the film slows, it does not freeze
});

test("pace: a busy server's slower film slows no further than min_fps, and a film below it keeps its fps", () => {
  const { p } = setup();
  p.ingest(payload(1, frames(1, 48), { fps: 12 })); // a busy server: 48 frames at 12 fps
  p.frames.length = 12;
  assert.equal(p.pace(), 6); // 12 * 12/24
  p.frames.length = 0;
  assert.equal(p.pace(), 4); // not 12 * 1/8 = 1.5: no frame stays on screen longer than 1/4 s
  p.ingest(payload(2, frames(49, 50), { fps: 2 }));
  p.frames.length = 0;
  assert.equal(p.pace(), 2); // fps 2 is below min_fps: the film plays at its own fps
});

test("frames are shown at the pace of the queue they leave", () => {
  const { p, clock } = setup();
  p.ingest(payload(1, frames(1, 4), { fps: 20 })); // frame 1 on screen, 3 queued, full = 2
  const shown = run(p, clock, 2000);
  // t=0: frame 2 (2 left: 20/s -> next in 50 ms); t=50: frame 3 (1 left: 10/s -> 100 ms);
  // t=150: frame 4 (0 left: min pace 2.5/s, but nothing is left to show).
  assert.deepEqual(shown, [[0, 2], [50, 3], [150, 4]]);
  assert.equal(p.current.iteration, 4);
  assert.ok(p.stats.starvedTicks > 0);
});

test("backpressure: asks once per seq when the queue falls below the threshold", () => {
  const { p, clock, asks } = setup();
  p.ingest(payload(1, frames(1, 12), { fps: 20 }));
  // 11 queued < max(2, ceil(0.5 * 20) = 10, 12 + 1 = 13): ask for what follows seq 1 at once.
  assert.deepEqual(asks, [[1, 11]]);
  clock.t = 10;
  p.ingest(payload(2, frames(13, 16), { fps: 20 }));
  // 15 queued >= max(2, 10, 4 + 1 = 5): no ask yet.
  assert.equal(p.frames.length, 15);
  assert.equal(p.askBelow(), 10);
  assert.deepEqual(asks, [[1, 11]]);
  run(p, clock, 3000);
  // The ask for seq 2 went out when the queue first dropped to 9, and only once.
  assert.deepEqual(asks, [[1, 11], [2, 9]]);
  assert.equal(p.stats.requests, 2);
});

test("backpressure: one whole batch queued still asks for the next", () => {
  const { p, clock, asks } = setup();
  p.ingest(payload(1, frames(1, 2), { fps: 4 }));
  assert.equal(p.tick(), true); // t=0: frame 2, nothing left
  clock.t = 100;
  p.ingest(payload(2, frames(3, 7), { fps: 4 }));
  // 5 queued < max(2, ceil(0.5 * 4) = 2, 5 + 1 = 6): a request is in flight while this batch plays.
  assert.deepEqual(asks, [[1, 1], [2, 5]]);
});

test("a lost answer is asked again only after lost_after_s of starving", () => {
  const { p, clock, asks } = setup();
  p.ingest(payload(1, frames(1, 2), { fps: 20 }));
  assert.deepEqual(asks, [[1, 1]]); // at t = 0
  run(p, clock, 5000); // starving from t = 0 on; 5000 - 0 is not > 5 s
  assert.equal(asks.length, 1);
  run(p, clock, 5001);
  assert.deepEqual(asks, [[1, 1], [1, 0]]);
});

test("a repeated seq is ignored while playing", () => {
  const { p, clock, asks } = setup();
  const d = payload(7, frames(1, 10));
  assert.equal(p.ingest(d), true);
  run(p, clock, 60); // frames 2 (t=0) and 3 (t=50)
  const queued = p.frames.map((f) => f.iteration);
  assert.equal(p.ingest({ ...d }), false);
  assert.deepEqual(p.frames.map((f) => f.iteration), queued);
  assert.equal(p.current.iteration, 3);
  assert.equal(asks.length, 1);
});

test("a non-playing payload shows its last frame at once and forgets the queue", () => {
  const { p, clock } = setup();
  p.ingest(payload(1, frames(1, 10)));
  run(p, clock, 10);
  const step = payload(2, frames(40, 42), { playing: false, history: { it: [0, 20, 40], loss: [2, 1.5, 0.5] } });
  assert.equal(p.ingest(step), true);
  assert.equal(p.playing, false);
  assert.equal(p.current.iteration, 42);
  assert.deepEqual(p.frames, []);
  // History before the first frame, then the frames themselves.
  assert.deepEqual(p.curve.it, [0, 20, 40, 41, 42]);
  assert.deepEqual(p.curve.loss, [2, 1.5, 1 / 40, 1 / 41, 1 / 42]);
  assert.equal(p.tick(), false);
  assert.equal(p.current.iteration, 42);
});

test("pause (hold) stops on the frame on screen and reports it", () => {
  const { p, clock, paused } = setup();
  const d = payload(1, frames(1, 24), { fps: 24 });
  p.ingest(d);
  run(p, clock, 100); // t=0: 2, t=41.7 -> 42: 3, t=83.3 -> 84: 4
  assert.equal(p.current.iteration, 4);
  // The server has computed further (iteration 30); the view stays on 4.
  const hold = { seq: 2, playing: false, hold: true, frames: frames(30, 30), grid: { w: 9 }, pacing: PACING };
  assert.equal(p.ingest(hold), true);
  assert.deepEqual(paused, [4]);
  assert.equal(p.stats.pausedAt, 4);
  assert.equal(p.current.iteration, 4);
  assert.equal(p.playing, false);
  assert.equal(p.d, d); // the frame on screen keeps its own grid
  run(p, clock, 1000);
  assert.equal(p.current.iteration, 4);
  // The newest state of the pause that follows (playing false, no hold) is shown as usual.
  p.ingest(payload(3, frames(4, 4), { playing: false }));
  assert.deepEqual(paused, [4]);
});

test("a late tick catches up max_catchup frames, then restarts the clock", () => {
  const { p, clock } = setup();
  p.ingest(payload(1, frames(1, 10))); // 9 queued, full = 5, 20 fps while >= 5 queued
  assert.equal(p.tick(), true); // t=0: frame 2, next due at 50
  clock.t = 1000; // a hidden tab: no animation frame for a second
  assert.equal(p.tick(), true);
  assert.equal(p.current.iteration, 5); // 3 frames (due at 50, 100, 150), not all 8 queued
  clock.t = 1001;
  assert.equal(p.tick(), true); // the clock restarted at 1000: frame 6 is due now
  assert.equal(p.current.iteration, 6);
  clock.t = 1002;
  assert.equal(p.tick(), false); // no burst: frame 7 is due at 1000 + 1000/16 (4 of 5 queued)
  clock.t = 1062;
  assert.equal(p.tick(), false);
  clock.t = 1063;
  assert.equal(p.tick(), true);
  assert.equal(p.current.iteration, 7);
});

test("the pacing numbers come from the payload", () => {
  const { p, clock } = setup();
  const pacing = { ...PACING, max_catchup: 5, min_fps: 10, fps_max: 30 };
  p.ingest(payload(1, frames(1, 20), { fps: 40, pacing }));
  assert.equal(p.fps(), 30); // clamped to fps_max
  assert.equal(p.tick(), true); // t=0: frame 2, next due at 1000/30
  clock.t = 2000;
  assert.equal(p.tick(), true);
  assert.equal(p.current.iteration, 7); // 5 frames at once
  p.frames.length = 1;
  assert.equal(p.pace(), 10); // max(10, 30 * 1/10): full at ceil(20 / 2) = 10 queued
});

test("a batch arriving after the queue ran dry shows at once", () => {
  const { p, clock } = setup();
  p.ingest(payload(1, frames(1, 2))); // frame 1 on screen, 1 queued
  assert.equal(p.tick(), true); // t=0: frame 2; nothing left: next due at the slowest pace, 250 ms
  assert.equal(p.nextAt, 250); // 1000 / min_fps
  clock.t = 10;
  p.ingest(payload(2, frames(3, 12))); // 10 queued: 20 fps; due at min(250, 10 + 50)
  assert.equal(p.nextAt, 60);
  const shown = run(p, clock, 60);
  assert.deepEqual(shown, [[60, 3]]);

  // Starved for a while (ticks past the deadline): the next batch is due at once.
  run(p, clock, 3000);
  assert.equal(p.current.iteration, 12);
  assert.ok(p.stats.starvedTicks > 0);
  p.ingest(payload(3, frames(13, 20)));
  clock.t = 3001;
  assert.equal(p.tick(), true);
  assert.equal(p.current.iteration, 13);
});

test("a batch that goes backwards (rewind while playing) starts over from it", () => {
  const { p, clock } = setup();
  p.ingest(payload(1, frames(50, 60), { history: { it: [0, 10, 20, 30, 40], loss: [5, 4, 3, 2, 1] } }));
  run(p, clock, 100);
  p.ingest(payload(2, frames(20, 25), { history: { it: [0, 10, 20, 30, 40], loss: [5, 4, 3, 2, 1] } }));
  assert.deepEqual(p.frames.map((f) => f.iteration), [20, 21, 22, 23, 24, 25]);
  assert.deepEqual(p.curve.it, [0, 10]); // history before the batch only; the batch adds the rest
  run(p, clock, 200);
  assert.equal(p.curve.it[2], 20);
});

test("curveUpTo: the loss curve as it stood at an iteration (a Step's forward and backward phases)", () => {
  const curve = { it: [0, 5, 10, 11], loss: [1.1, 1.09, 1.084, 1.08], test: [1.1, null, 1.104, 1.102] };
  assert.deepEqual(curveUpTo(curve, 10), { it: [0, 5, 10], loss: [1.1, 1.09, 1.084], test: [1.1, null, 1.104] });
  assert.deepEqual(curveUpTo(curve, 11), curve);
  assert.deepEqual(curveUpTo(curve, -1), { it: [], loss: [], test: [] });
  assert.equal(curve.it.length, 4); // the player's own curve is left as it was
});

