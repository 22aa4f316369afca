// The live view's player: which frame is on screen, which are queued, when the next one is due and
// when to ask the server for the next batch. No DOM, canvas or timers: the caller passes a clock
// (`now`, ms) and callbacks, calls ingest() with each payload and tick() on every animation frame,
// and redraws when either returns true. So the same code runs in the browser and under `node --test`.
//
// The pacing numbers are not constants here: they arrive in each payload (`data.pacing`, defined
// once in ui/live/__init__.py), so the Python load-test player uses the very same ones.

export class Player {
  constructor({ now, onAsk, onPausedAt, stats = {} }) {
    this.now = now;
    this.onAsk = onAsk; // (seq): send the `need_frames` trigger
    this.onPausedAt = onPausedAt; // (iteration): send the `paused_at` trigger
    // Counters the browser tests read (window.__backpropLive); the caller may share its own object.
    this.stats = Object.assign(stats, { starvedTicks: 0, requests: 0, pausedAt: null });
    this.d = null; // latest payload taken (grid, points, flags, pacing)
    this.frames = []; // queue of frames still to be shown while playing
    this.current = null; // frame on screen
    this.curve = { it: [], loss: [], test: [] }; // loss curve up to the frame on screen
    this.lastSeq = null;
    this.lastBatch = 0; // frames in the last batch queued
    this.askedSeq = null;
    this.askedAt = 0;
    this.playing = false;
    this.nextAt = null; // when (ms) the next queued frame is due
  }

  // Take a payload; `frames` are its frames (decoded by the caller). True if the picture changed.
  ingest(d, frames = (d && d.frames) || []) {
    if (!d || typeof d !== "object") return false;
    const wasPlaying = this.playing;
    if (!d.playing && d.hold && wasPlaying && this.current) {
      // Pause: stop on the frame on screen (the server has computed further ahead) and say which.
      // this.d stays: the frame on screen was sampled on its grid (a busy server's is coarser).
      this.playing = false;
      this.frames = [];
      this.lastSeq = d.seq;
      this.stats.pausedAt = this.current.iteration;
      this.onPausedAt(this.current.iteration);
      return true;
    }
    this.d = d;

    if (!d.playing) {
      // Step / rewind / pause: show the newest state right now, forget the queue.
      this.playing = false;
      this.frames = [];
      this.lastSeq = d.seq;
      this.resetCurve(d.history, frames);
      for (const f of frames) this.pushCurve(f);
      if (frames.length) this.current = frames[frames.length - 1];
      return true;
    }

    // Playing. A rerun that re-sends a batch we already queued is a no-op.
    if (d.seq === this.lastSeq && wasPlaying) return false;
    this.lastSeq = d.seq;
    this.lastBatch = frames.length;
    this.playing = true;
    const tail = this.frames.length ? this.frames[this.frames.length - 1] : this.current;
    const tailIt = tail ? tail.iteration : -Infinity;
    if (frames.length && frames[0].iteration <= (this.current ? this.current.iteration : -Infinity)) {
      // Went backwards (rewind while playing, new run): start over from this batch.
      this.resetCurve(d.history, frames);
      this.frames = frames.slice();
    } else {
      if (!this.current) this.resetCurve(d.history, frames);
      this.frames.push(...frames.filter((f) => f.iteration > tailIt));
    }
    if (!this.current && this.frames.length) this.showNext(); // never leave a fresh mount empty
    const t = this.now();
    // A deadline set at the slowest pace while the queue ran dry must not delay the new frames.
    if (this.nextAt !== null) this.nextAt = Math.min(this.nextAt, t + 1000 / this.pace());
    if (!wasPlaying) this.nextAt = null;
    this.maybeAsk(t);
    return true;
  }

  // One animation frame. True if a new frame went on screen.
  tick() {
    if (!this.playing) return false;
    const t = this.now();
    let shown = false;
    if (this.nextAt === null) this.nextAt = t;
    if (t >= this.nextAt) {
      if (!this.frames.length) {
        // Starved: hold the last frame; the next batch shows at once when it comes.
        this.stats.starvedTicks++;
        this.nextAt = t;
      } else {
        // Late (a slow machine, a hidden tab): show a few due frames at once, not the whole backlog.
        for (let n = 0; n < this.d.pacing.max_catchup && this.frames.length && t >= this.nextAt; n++) {
          this.showNext();
          this.nextAt += 1000 / this.pace();
        }
        if (t >= this.nextAt) this.nextAt = t; // far behind: no burst later
        shown = true;
      }
    }
    this.maybeAsk(t);
    return shown;
  }

  fps() {
    const p = this.d.pacing;
    return Math.min(p.fps_max, Math.max(p.fps_min, this.d.fps || p.fps_default));
  }

  // Playback speed (frames/s): fps while at least `full_share` of a batch is queued (a server that
  // keeps up answers sooner), slower as the queue runs low (down to min_fps). A server that
  // answers late then slows the film down instead of freezing it, and the queue refills at the rate
  // frames arrive.
  pace() {
    const p = this.d.pacing;
    const full = Math.max(p.full_min, Math.ceil(this.lastBatch * p.full_share));
    return Math.max(Math.min(p.min_fps, this.fps()), this.fps() * Math.min(1, this.frames.length / full));
  }

  // Ask for the next batch while fewer frames than this are queued: less than `ask_seconds` of
  // play, or less than one more batch.
  askBelow() {
    const p = this.d.pacing;
    return Math.max(p.ask_min, Math.ceil(p.ask_seconds * this.fps()), this.lastBatch + 1);
  }

  // Backpressure: ask for the batch after `lastSeq` once, so one request is always in flight while a
  // batch plays and a busy server has the whole batch's play time to answer. Re-ask only if the
  // answer seems lost (starved for `lost_after_s`): on a busy server a slow answer is normal, and
  // asking again would only add work.
  maybeAsk(t) {
    if (!this.playing || this.frames.length >= this.askBelow()) return;
    const lost = this.askedSeq === this.lastSeq && !this.frames.length
      && t - this.askedAt > 1000 * this.d.pacing.lost_after_s;
    if (this.askedSeq !== this.lastSeq || lost) {
      this.askedSeq = this.lastSeq;
      this.askedAt = t;
      this.stats.requests++;
      this.onAsk(this.lastSeq);
    }
  }

  showNext() {
    this.current = this.frames.shift();
    this.pushCurve(this.current);
  }

  resetCurve(h, frames) {
    h = h || {};
    const first = frames.length ? frames[0].iteration : Infinity;
    const it = h.it || [], loss = h.loss || [], test = h.test_loss || [];
    this.curve = { it: [], loss: [], test: [] };
    for (let i = 0; i < it.length; i++) {
      if (it[i] >= first) break; // the batch itself supplies these
      this.curve.it.push(it[i]);
      this.curve.loss.push(loss[i]);
      this.curve.test.push(test[i] ?? null);
    }
  }

  pushCurve(f) {
    const c = this.curve;
    if (c.it.length && f.iteration <= c.it[c.it.length - 1]) return;
    c.it.push(f.iteration);
    c.loss.push(f.loss);
    c.test.push(f.test_loss ?? null);
  }
}

// The loss curve as it stood at `iteration` (a Step in phases: forward and backward run at the weights
// before the update, so the curve and its marker wait for the update too).
export function curveUpTo(curve, iteration) {
  let n = 0;
  while (n < curve.it.length && curve.it[n] <= iteration) n++;
  return { it: curve.it.slice(0, n), loss: curve.loss.slice(0, n), test: curve.test.slice(0, n) };
}
