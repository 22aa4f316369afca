// Backprop Lab live training view (Streamlit components v2, no iframe).
//
// Streamlit calls the default export once on mount and AGAIN every time `data`
// changes, always with the same parentElement. So the DOM from live.html is
// reused, all per-instance state hangs off the root element, and each call just
// ingests the new payload. The returned cleanup only runs on unmount.

const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]; // Okabe-Ito
const SHAPES = ["circle", "square", "triangle", "diamond", "star"];
const MAX_CATCHUP = 3; // frames shown at once when late (a hidden tab) before resetting the clock
const MIN_PACE = 1 / 8; // slowest playback, as a share of fps: a late batch slows the film, never freezes it

export default function (args) {
  const { data, parentElement, setTriggerValue } = args;
  const root = parentElement.querySelector(".bpl-root");
  if (!root) return;
  const S = root.__bpl || (root.__bpl = createInstance(root));
  S.setTrigger = setTriggerValue; // keep the newest one (it carries the current fragment id)
  ingest(S, data);
  return () => destroy(S);
}

// ---------------------------------------------------------------- lifecycle

function createInstance(root) {
  // Percentage heights need every ancestor up to Streamlit's fixed-height box
  // to have a height; Streamlit wraps our HTML in plain divs.
  for (let el = root.parentElement; el; el = el.parentElement) {
    el.style.height = "100%";
    if (el.classList.contains("stBidiComponent")) break;
  }
  const S = {
    root,
    bCanvas: root.querySelector("canvas.bpl-boundary"),
    lCanvas: root.querySelector("canvas.bpl-loss"),
    status: root.querySelector(".bpl-status"),
    shade: document.createElement("canvas"), // grid-sized probability image
    d: null, // latest payload (grid, points, flags)
    frames: [], // queue of frames still to be shown while playing
    current: null, // frame on screen
    curve: { it: [], loss: [], test: [] },
    lastSeq: null,
    askedSeq: null,
    askedAt: 0,
    playing: false,
    raf: 0,
    nextAt: null, // when (ms) the next queued frame is due
    theme: null,
    overlay: null, // cached points + axes layer of the boundary plot
    overlayKey: "",
    drawnB: false,
    drawnL: false,
    stats: { framesDrawn: 0, blankFrames: 0, lastIteration: null, lastDrawMs: 0,
             starvedTicks: 0, requests: 0, pausedAt: null },
  };
  window.__backpropLive = S.stats;
  // RO callbacks run before paint, so resizing (which clears a canvas) and
  // redrawing happen in the same frame: no blank flash.
  S.ro = new ResizeObserver(() => draw(S));
  S.ro.observe(S.bCanvas.parentElement);
  S.ro.observe(S.lCanvas.parentElement);
  return S;
}

function destroy(S) {
  if (S.raf) cancelAnimationFrame(S.raf);
  S.raf = 0;
  S.playing = false;
  S.ro.disconnect();
  delete S.root.__bpl;
}

// ---------------------------------------------------------------- data in

function decodeFrame(f, n) {
  let probs = null;
  if (typeof f.probs === "string") {
    const bin = atob(f.probs);
    if (bin.length === n) {
      probs = new Uint8Array(n);
      for (let i = 0; i < n; i++) probs[i] = bin.charCodeAt(i);
    }
  }
  return { ...f, probs };
}

function ingest(S, d) {
  if (!d || typeof d !== "object") return;
  const g = d.grid || {};
  const n = (g.w | 0) * (g.h | 0) * (d.classes | 0);
  const frames = (d.frames || []).map((f) => decodeFrame(f, n));
  const wasPlaying = S.playing;
  if (!d.playing && d.hold && wasPlaying && S.current && S.setTrigger) {
    // Pause: stop on the frame on screen (the server has computed further ahead) and say which.
    // S.d stays: the frame on screen was sampled on its grid (a busy server's is coarser).
    S.playing = false;
    S.frames = [];
    S.lastSeq = d.seq;
    draw(S);
    S.stats.pausedAt = S.current.iteration;
    S.setTrigger("paused_at", S.current.iteration);
    return;
  }
  S.d = d;
  S.pointsKey = pointsKey(d.points);
  S.theme = readTheme(S.root);
  S.root.classList.toggle("bpl-presentation", !!d.presentation);

  if (!d.playing) {
    // Step / rewind / pause: show the newest state right now, forget the queue.
    S.playing = false;
    S.frames = [];
    S.lastSeq = d.seq;
    resetCurve(S, d.history, frames);
    for (const f of frames) pushCurve(S, f);
    if (frames.length) S.current = frames[frames.length - 1];
    draw(S);
    return;
  }

  // Playing. A rerun that re-sends a batch we already queued is a no-op.
  if (d.seq === S.lastSeq && wasPlaying) return;
  S.lastSeq = d.seq;
  S.lastBatch = frames.length;
  S.playing = true;
  const tail = S.frames.length ? S.frames[S.frames.length - 1] : S.current;
  const tailIt = tail ? tail.iteration : -Infinity;
  if (frames.length && frames[0].iteration <= (S.current ? S.current.iteration : -Infinity)) {
    // Went backwards (rewind while playing, new run): start over from this batch.
    resetCurve(S, d.history, frames);
    S.frames = frames.slice();
  } else {
    if (!S.current) resetCurve(S, d.history, frames);
    S.frames.push(...frames.filter((f) => f.iteration > tailIt));
  }
  if (!S.current && S.frames.length) showNext(S, 1); // never leave a fresh mount empty
  // A deadline set at the slowest pace while the queue ran dry must not delay the new frames.
  if (S.nextAt !== null) S.nextAt = Math.min(S.nextAt, performance.now() + 1000 / pace(S));
  draw(S);
  if (!wasPlaying) S.nextAt = null;
  maybeAsk(S, performance.now());
  if (!S.raf) S.raf = requestAnimationFrame((t) => tick(S, t));
}

function resetCurve(S, h, frames) {
  h = h || {};
  const first = frames.length ? frames[0].iteration : Infinity;
  const it = h.it || [], loss = h.loss || [], test = h.test_loss || [];
  S.curve = { it: [], loss: [], test: [] };
  for (let i = 0; i < it.length; i++) {
    if (it[i] >= first) break; // the batch itself supplies these
    S.curve.it.push(it[i]);
    S.curve.loss.push(loss[i]);
    S.curve.test.push(test[i] ?? null);
  }
}

function pushCurve(S, f) {
  const c = S.curve;
  if (c.it.length && f.iteration <= c.it[c.it.length - 1]) return;
  c.it.push(f.iteration);
  c.loss.push(f.loss);
  c.test.push(f.test_loss ?? null);
}

// ---------------------------------------------------------------- playback

function showNext(S, n) {
  for (let i = 0; i < n && S.frames.length; i++) {
    S.current = S.frames.shift();
    pushCurve(S, S.current);
  }
}

function tick(S, now) {
  S.raf = 0;
  if (!S.root.isConnected) return destroy(S);
  if (!S.drawnB || !S.drawnL) S.stats.blankFrames++;
  if (!S.playing) return;
  if (S.nextAt === null) S.nextAt = now;
  if (now >= S.nextAt) {
    if (!S.frames.length) {
      // Starved: hold the last frame; the next batch shows at once when it comes.
      S.stats.starvedTicks++;
      S.nextAt = now;
    } else {
      for (let n = 0; n < MAX_CATCHUP && S.frames.length && now >= S.nextAt; n++) {
        showNext(S, 1);
        S.nextAt += 1000 / pace(S);
      }
      if (now >= S.nextAt) S.nextAt = now; // far behind (a hidden tab): no burst later
      draw(S);
    }
  }
  maybeAsk(S, now);
  S.raf = requestAnimationFrame((t) => tick(S, t));
}

// Playback speed (frames/s): fps while at least half a batch is queued (a server that keeps up
// answers sooner), slower as the queue runs low (down to MIN_PACE x fps). A server that answers
// late then slows the film down instead of freezing it, and the queue refills at the rate frames
// arrive.
function pace(S) {
  const full = Math.max(2, Math.ceil((S.lastBatch || 0) / 2));
  return fps(S) * Math.max(MIN_PACE, Math.min(1, S.frames.length / full));
}

function fps(S) {
  return Math.min(120, Math.max(1, S.d.fps || 20));
}

function askBelow(S) {
  return Math.max(2, Math.ceil(0.5 * fps(S)), (S.lastBatch || 0) + 1);
}

// Backpressure: ask for the batch after `lastSeq` once, when less than ~0.5 s of frames, or less
// than one more batch, is left: so one request is always in flight while a batch plays, and a busy
// server has the whole batch's play time to answer. Re-ask only if the answer seems lost (starved
// > 5 s): on a busy server a slow answer is normal, and asking again would only add work.
function maybeAsk(S, now) {
  if (!S.playing || !S.setTrigger) return;
  if (S.frames.length >= askBelow(S)) return;
  const lost = S.askedSeq === S.lastSeq && !S.frames.length && now - S.askedAt > 5000;
  if (S.askedSeq !== S.lastSeq || lost) {
    S.askedSeq = S.lastSeq;
    S.askedAt = now;
    S.stats.requests++;
    S.setTrigger("need_frames", S.lastSeq);
  }
}

// ---------------------------------------------------------------- drawing

function draw(S) {
  if (!S.d) return;
  const t0 = performance.now();
  const sb = fitCanvas(S.bCanvas);
  const sl = fitCanvas(S.lCanvas);
  if (sb) S.drawnB = drawBoundary(S, sb) || S.drawnB;
  if (sl) S.drawnL = drawLoss(S, sl) || S.drawnL;
  const f = S.current;
  if (f) {
    const pct = (a) => (a == null ? "–" : (100 * a).toFixed(1) + "%");
    let text = `Iteration ${f.iteration} · loss ${fmt(f.loss)} · train acc ${pct(f.acc)}`;
    if (f.test_acc != null) text += ` · test acc ${pct(f.test_acc)}`;
    S.status.textContent = text;
    S.stats.lastIteration = f.iteration;
  }
  S.stats.framesDrawn++;
  S.stats.lastDrawMs = +(performance.now() - t0).toFixed(2);
}

// Size the backing store to CSS size × devicePixelRatio. Returns the CSS size
// and a context already scaled to CSS pixels, or null while hidden.
function fitCanvas(cv) {
  const w = cv.clientWidth, h = cv.clientHeight;
  if (w < 2 || h < 2) return null;
  const dpr = window.devicePixelRatio || 1;
  const bw = Math.round(w * dpr), bh = Math.round(h * dpr);
  if (cv.width !== bw || cv.height !== bh) {
    cv.width = bw;
    cv.height = bh;
  }
  const ctx = cv.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h, dpr };
}

function style(S) {
  const p = !!S.d.presentation;
  return {
    font: p ? 17 : 12,
    line: p ? 3.5 : 2,
    marker: p ? 7 : 4.5,
    fontFamily: S.theme.font,
  };
}

function drawBoundary(S, { ctx, w, h, dpr }) {
  const d = S.d, g = d.grid, st = style(S), th = S.theme;
  if (!g || !(g.w > 0) || !(g.h > 0)) return false;
  // Equal aspect so geometry (distances, angles) is not distorted.
  const m = { l: st.font * 3.2, r: 8, t: 8, b: st.font * 3 };
  const aw = w - m.l - m.r, ah = h - m.t - m.b;
  const ar = (g.x1 - g.x0) / (g.y1 - g.y0);
  const pw = Math.max(10, Math.min(aw, ah * ar)), ph = pw / ar;
  const px = m.l + (aw - pw) / 2, py = m.t + (ah - ph) / 2;
  const X = (x) => px + ((x - g.x0) / (g.x1 - g.x0)) * pw;
  const Y = (y) => py + ph - ((y - g.y0) / (g.y1 - g.y0)) * ph;

  ctx.clearRect(0, 0, w, h);
  const f = S.current;
  if (f && f.probs) {
    paintShade(S, f.probs, g, d.classes);
    // Grid values are samples at linspace(x0, x1, w): pixel centres sit on
    // the samples, so the image extends half a cell past the data range.
    const dx = g.w > 1 ? (g.x1 - g.x0) / (g.w - 1) : g.x1 - g.x0;
    const dy = g.h > 1 ? (g.y1 - g.y0) / (g.h - 1) : g.y1 - g.y0;
    ctx.save();
    ctx.beginPath();
    ctx.rect(px, py, pw, ph);
    ctx.clip();
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(S.shade, X(g.x0 - dx / 2), Y(g.y1 + dy / 2),
                  X(g.x1 + dx / 2) - X(g.x0 - dx / 2), Y(g.y0 - dy / 2) - Y(g.y1 + dy / 2));
    ctx.restore();
  }

  // Points and axes only change with the dataset/size/theme: cache them.
  const key = [w, h, dpr, th.key, !!d.presentation, g.x0, g.x1, g.y0, g.y1, S.pointsKey].join("|");
  if (key !== S.overlayKey) {
    S.overlay = S.overlay || document.createElement("canvas");
    S.overlay.width = Math.round(w * dpr);
    S.overlay.height = Math.round(h * dpr);
    const o = S.overlay.getContext("2d");
    o.setTransform(dpr, 0, 0, dpr, 0, 0);
    o.save();
    o.beginPath();
    o.rect(px - st.marker, py - st.marker, pw + 2 * st.marker, ph + 2 * st.marker);
    o.clip(); // points outside the grid range would sit on the tick labels
    drawPoints(o, d.points, X, Y, st, th);
    o.restore();
    o.strokeStyle = th.axis;
    o.lineWidth = 1;
    o.strokeRect(px, py, pw, ph);
    axisTicks(o, g.x0, g.x1, pw / (st.font * 5), (v) => [X(v), py + ph], "x", st, th);
    axisTicks(o, g.y0, g.y1, ph / (st.font * 4), (v) => [px, Y(v)], "y", st, th);
    o.fillStyle = th.text;
    o.font = `${st.font}px ${st.fontFamily}`;
    o.textAlign = "center";
    o.textBaseline = "bottom";
    o.fillText("x1", px + pw / 2, h - 2);
    o.save();
    o.translate(Math.max(st.font * 0.9, px - st.font * 2.6), py + ph / 2); // hug the axis
    o.rotate(-Math.PI / 2);
    o.textBaseline = "middle";
    o.fillText("x2", 0, 0);
    o.restore();
    S.overlayKey = key;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(S.overlay, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return true;
}

// Colour of a cell = probability-weighted mix of the class colours, laid over
// the page background at partial opacity so points stay readable on top.
function paintShade(S, probs, g, C) {
  const W = g.w, H = g.h, th = S.theme;
  if (S.shade.width !== W || S.shade.height !== H) {
    S.shade.width = W;
    S.shade.height = H;
  }
  const sctx = S.shade.getContext("2d");
  const img = sctx.createImageData(W, H);
  const px = img.data, cols = th.classRgb, bg = th.bgRgb, a = th.shadeAlpha;
  for (let r = 0; r < H; r++) {
    const out = (H - 1 - r) * W; // row 0 of the grid is y0 = bottom of the image
    for (let c = 0; c < W; c++) {
      const base = (r * W + c) * C;
      let R = 0, G = 0, B = 0, sum = 0;
      for (let k = 0; k < C; k++) {
        const p = probs[base + k], col = cols[k % cols.length];
        R += p * col[0]; G += p * col[1]; B += p * col[2]; sum += p;
      }
      const o = (out + c) * 4;
      if (sum > 0) {
        px[o] = bg[0] + a * (R / sum - bg[0]);
        px[o + 1] = bg[1] + a * (G / sum - bg[1]);
        px[o + 2] = bg[2] + a * (B / sum - bg[2]);
      } else {
        px[o] = bg[0]; px[o + 1] = bg[1]; px[o + 2] = bg[2];
      }
      px[o + 3] = 255;
    }
  }
  sctx.putImageData(img, 0, 0);
}

function pointsKey(p) {
  if (!p || !p.x) return "none";
  let h = p.x.length;
  for (let i = 0; i < p.x.length; i++) h = (h * 31 + p.x[i] * 997 + p.y[i] * 131 + (p.c[i] | 0) * 7 + (p.test ? p.test[i] : 0)) % 1e9;
  return h.toFixed(3);
}

function drawPoints(ctx, p, X, Y, st, th) {
  if (!p || !p.x) return;
  const n = p.x.length, s = st.marker;
  // Training points first, test points (hollow) on top so they are not hidden.
  for (const wantTest of [0, 1]) {
    for (let i = 0; i < n; i++) {
      const isTest = p.test ? (p.test[i] ? 1 : 0) : 0;
      if (isTest !== wantTest) continue;
      const k = p.c[i] | 0, col = PALETTE[k % PALETTE.length];
      const x = X(p.x[i]), y = Y(p.y[i]);
      shapePath(ctx, SHAPES[k % SHAPES.length], x, y, s);
      if (isTest) {
        // Hollow: a dark halo under a coloured ring keeps it visible on any shade.
        ctx.lineWidth = 3.2 * st.line / 2;
        ctx.strokeStyle = th.outline;
        ctx.stroke();
        ctx.lineWidth = 1.6 * st.line / 2;
        ctx.strokeStyle = col;
        ctx.stroke();
      } else {
        ctx.fillStyle = col;
        ctx.fill();
        ctx.lineWidth = Math.min(1.5, 0.6 * st.line);
        ctx.strokeStyle = th.outline;
        ctx.stroke();
      }
    }
  }
}

function shapePath(ctx, shape, x, y, s) {
  ctx.beginPath();
  if (shape === "circle") {
    ctx.arc(x, y, s, 0, 2 * Math.PI);
  } else if (shape === "square") {
    const a = s * 0.9;
    ctx.rect(x - a, y - a, 2 * a, 2 * a);
  } else if (shape === "triangle") {
    const a = s * 1.25;
    ctx.moveTo(x, y - a);
    ctx.lineTo(x + a * 0.95, y + a * 0.7);
    ctx.lineTo(x - a * 0.95, y + a * 0.7);
    ctx.closePath();
  } else if (shape === "diamond") {
    const a = s * 1.3;
    ctx.moveTo(x, y - a);
    ctx.lineTo(x + a, y);
    ctx.lineTo(x, y + a);
    ctx.lineTo(x - a, y);
    ctx.closePath();
  } else {
    // Five-pointed star.
    const ro = s * 1.4, ri = ro * 0.45;
    for (let i = 0; i < 10; i++) {
      const r = i % 2 ? ri : ro, t = -Math.PI / 2 + (i * Math.PI) / 5;
      ctx.lineTo(x + r * Math.cos(t), y + r * Math.sin(t));
    }
    ctx.closePath();
  }
}

function drawLoss(S, { ctx, w, h }) {
  const d = S.d, st = style(S), th = S.theme, c = S.curve, logY = !!d.log_y;
  ctx.clearRect(0, 0, w, h);
  const m = { l: st.font * 4.2, r: st.font, t: 8, b: st.font * 3 };
  const pw = Math.max(10, w - m.l - m.r), ph = Math.max(10, h - m.t - m.b);

  // x range: nice upper bound ahead of the newest known iteration, so the
  // axis only rescales occasionally while playing.
  const lastIt = c.it.length ? c.it[c.it.length - 1] : 0;
  const xmax = niceCeil(Math.max(10, lastIt * 1.05));
  let lo = Infinity, hi = -Infinity;
  for (const arr of [c.loss, c.test]) {
    for (const v of arr) {
      if (v == null || !isFinite(v) || (logY && v <= 0)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!isFinite(lo)) { lo = logY ? 0.01 : 0; hi = 1; }
  let y0, y1;
  if (logY) {
    // Tight range: rounding out to whole decades would flatten a loss that moves within one.
    const pad = Math.max(1.02, Math.pow(hi / lo, 0.06));
    y0 = lo / pad;
    y1 = hi * pad;
  } else {
    y0 = 0;
    y1 = niceCeil(hi > 0 ? hi * 1.05 : 1);
  }
  const tY = logY ? (v) => Math.log10(v) : (v) => v;
  const X = (it) => m.l + (it / xmax) * pw;
  const Y = (v) => m.t + ph - ((tY(v) - tY(y0)) / (tY(y1) - tY(y0))) * ph;

  ctx.strokeStyle = th.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(m.l, m.t, pw, ph);
  axisTicks(ctx, 0, xmax, pw / (st.font * 6), (v) => [X(v), m.t + ph], "x", st, th);
  if (logY && Math.log10(y1 / y0) >= 1.5) {
    const ticks = [];
    for (let v = Math.pow(10, Math.ceil(Math.log10(y0))); v <= y1; v *= 10) ticks.push(v);
    drawTicks(ctx, ticks, (v) => [m.l, Y(v)], "y", st, th);
  } else {
    axisTicks(ctx, y0, y1, ph / (st.font * 3), (v) => [m.l, Y(v)], "y", st, th);
  }
  ctx.fillStyle = th.text;
  ctx.font = `${st.font}px ${st.fontFamily}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText("iteration", m.l + pw / 2, h - 2);
  ctx.save();
  ctx.translate(st.font * 0.9, m.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(logY ? "loss (log)" : "loss", 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t, pw, ph);
  ctx.clip();
  const line = (vals, color, dash) => {
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < c.it.length; i++) {
      const v = vals[i];
      if (v == null || !isFinite(v) || (logY && v <= 0)) { pen = false; continue; }
      if (pen) ctx.lineTo(X(c.it[i]), Y(v));
      else ctx.moveTo(X(c.it[i]), Y(v));
      pen = true;
    }
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = st.line;
    ctx.lineJoin = "round";
    ctx.stroke();
    ctx.setLineDash([]);
  };
  const hasTest = c.test.some((v) => v != null);
  if (hasTest) line(c.test, th.testLine, [st.line * 3, st.line * 2]);
  line(c.loss, th.trainLine, []);

  const f = S.current;
  if (f) {
    const x = X(f.iteration);
    ctx.strokeStyle = th.axis;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, m.t);
    ctx.lineTo(x, m.t + ph);
    ctx.stroke();
    if (f.loss != null && isFinite(f.loss) && !(logY && f.loss <= 0)) {
      ctx.beginPath();
      ctx.arc(x, Y(f.loss), st.line * 2.2, 0, 2 * Math.PI);
      ctx.fillStyle = th.trainLine;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = th.outline;
      ctx.stroke();
    }
  }
  ctx.restore();

  if (hasTest) {
    // Minimal legend, top right: a line sample then the label, one row each.
    ctx.font = `${st.font}px ${st.fontFamily}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const x0 = m.l + pw - st.font * 5.2, y0 = m.t + st.font;
    [["train", th.trainLine, []], ["test", th.testLine, [st.line * 3, st.line * 2]]].forEach(([label, color, dash], i) => {
      const y = y0 + i * st.font * 1.4;
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = st.line;
      ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x0 + st.font * 1.8, y); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = th.text;
      ctx.fillText(label, x0 + st.font * 2.3, y);
    });
  }
  return true;
}

// ---------------------------------------------------------------- axes helpers

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / p;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * p;
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const k of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

function axisTicks(ctx, a, b, count, at, dir, st, th) {
  const step = niceStep(b - a, Math.max(2, Math.min(8, Math.floor(count))));
  const ticks = [];
  for (let v = Math.ceil(a / step - 1e-9) * step; v <= b + step * 1e-6; v += step) ticks.push(Math.abs(v) < step * 1e-6 ? 0 : v);
  drawTicks(ctx, ticks, at, dir, st, th);
}

function drawTicks(ctx, ticks, at, dir, st, th) {
  ctx.fillStyle = th.text;
  ctx.strokeStyle = th.axis;
  ctx.lineWidth = 1;
  ctx.font = `${Math.round(st.font * 0.92)}px ${st.fontFamily}`;
  for (const v of ticks) {
    const [x, y] = at(v);
    ctx.beginPath();
    if (dir === "x") {
      ctx.moveTo(x, y); ctx.lineTo(x, y + 4);
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.stroke();
      ctx.fillText(fmtTick(v), x, y + 5);
    } else {
      ctx.moveTo(x - 4, y); ctx.lineTo(x, y);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ctx.stroke();
      ctx.fillText(fmtTick(v), x - 6, y);
    }
  }
}

function fmtTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 10000 || a < 0.001) return v.toExponential(0);
  return String(+v.toPrecision(4));
}

function fmt(v) {
  if (v == null || !isFinite(v)) return "–";
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3);
}

// ---------------------------------------------------------------- theme

// Streamlit exposes its theme as --st-* custom properties on an ancestor; they
// inherit into our (shadow) DOM. Fall back to the light theme defaults.
function readTheme(el) {
  const cs = getComputedStyle(el);
  const v = (name, dflt) => {
    const s = cs.getPropertyValue(name).trim();
    return s && s !== "unset" ? s : dflt;
  };
  const text = v("--st-text-color", "#31333F");
  const bg = v("--st-background-color", "#FFFFFF");
  const bgRgb = toRgb(bg);
  const dark = 0.2126 * bgRgb[0] + 0.7152 * bgRgb[1] + 0.0722 * bgRgb[2] < 128;
  return {
    key: text + bg,
    text,
    bgRgb,
    axis: dark ? "rgba(250,250,250,0.45)" : "rgba(49,51,63,0.45)",
    outline: dark ? "#F5F5F5" : "#1A1A1A",
    trainLine: dark ? "#56B4E9" : "#0072B2", // Okabe-Ito sky blue reads better on dark
    testLine: "#E69F00",
    classRgb: PALETTE.map(toRgb),
    shadeAlpha: dark ? 0.5 : 0.42,
    font: v("--st-font", '"Source Sans Pro", sans-serif'),
  };
}

// Parse any CSS colour via a 1x1 canvas (handles #hex, rgb(), names).
function toRgb(color) {
  const c = document.createElement("canvas");
  c.width = c.height = 1;
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}
