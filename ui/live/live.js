// Backprop Lab live training view (Streamlit components v2, no iframe): the entry module.
//
// Streamlit calls the default export once on mount and AGAIN every time `data`
// changes, always with the same parentElement. So the DOM from live.html is
// reused, all per-instance state hangs off the root element, and each call just
// ingests the new payload. The returned cleanup only runs on unmount.
//
// What to show when lives in player.js (no DOM); this file wires it to the
// animation frames, the canvases and Streamlit's triggers.

import { Player } from "./player.js";
import { readTheme } from "./theme.js";
import { drawBoundary, pointsKey } from "./boundary.js";
import { drawLoss } from "./loss.js";

export default function (args) {
  const { data, parentElement, setTriggerValue } = args;
  const root = parentElement.querySelector(".bpl-root");
  if (!root) return;
  const S = root.__bpl || (root.__bpl = createInstance(root));
  S.setTrigger = setTriggerValue; // keep the newest one (it carries the current fragment id)
  ingest(S, data);
  return () => destroy(S);
}

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
    // grid-sized probability image; points + axes layer of the boundary plot
    boundary: { shade: document.createElement("canvas"), overlay: null, overlayKey: "" },
    pointsKey: "none",
    theme: null,
    raf: 0,
    drawnB: false,
    drawnL: false,
    stats: { framesDrawn: 0, blankFrames: 0, lastIteration: null, lastDrawMs: 0 },
  };
  S.player = new Player({
    now: () => performance.now(),
    onAsk: (seq) => S.setTrigger("need_frames", seq),
    onPausedAt: (iteration) => S.setTrigger("paused_at", iteration),
    stats: S.stats,
  });
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
  S.ro.disconnect();
  delete S.root.__bpl;
}

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
  const changed = S.player.ingest(d, (d.frames || []).map((f) => decodeFrame(f, n)));
  if (S.player.d === d) {
    S.pointsKey = pointsKey(d.points);
    S.theme = readTheme(S.root);
    S.root.classList.toggle("bpl-presentation", !!d.presentation);
  }
  if (changed) draw(S);
  if (S.player.playing && !S.raf) S.raf = requestAnimationFrame(() => tick(S));
}

function tick(S) {
  S.raf = 0;
  if (!S.root.isConnected) return destroy(S);
  if (!S.drawnB || !S.drawnL) S.stats.blankFrames++;
  if (!S.player.playing) return;
  if (S.player.tick()) draw(S);
  S.raf = requestAnimationFrame(() => tick(S));
}

function draw(S) {
  const { d, current: f, curve } = S.player;
  if (!d) return;
  const t0 = performance.now();
  const sb = fitCanvas(S.bCanvas);
  const sl = fitCanvas(S.lCanvas);
  if (sb) S.drawnB = drawBoundary(S.boundary, sb, d, f, S.theme, S.pointsKey) || S.drawnB;
  if (sl) S.drawnL = drawLoss(sl, d, curve, f, S.theme) || S.drawnL;
  // The one live iteration number on screen: while the film plays, the page's heading (computed up
  // to two batches ahead of this frame) only says "Playing" and this line carries the iteration and
  // numbers of the frame on screen. When still, the heading shows the iteration and this line is
  // blank (its room is kept, so the plots do not jump when play starts or stops).
  S.status.textContent = f && S.player.playing ? statusText(f) : "";
  if (f) S.stats.lastIteration = f.iteration;
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

function statusText(f) {
  const pct = (a) => (a == null ? "–" : (100 * a).toFixed(1) + "%");
  let text = `Iteration ${f.iteration} · loss ${fmt(f.loss)} · train acc ${pct(f.acc)}`;
  if (f.test_acc != null) text += ` · test acc ${pct(f.test_acc)}`;
  return text;
}

function fmt(v) {
  if (v == null || !isFinite(v)) return "–";
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3);
}
