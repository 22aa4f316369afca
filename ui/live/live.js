// Backprop Lab's stage (Streamlit components v2, no iframe): the entry module.
//
// Streamlit calls the default export once on mount and AGAIN every time `data`
// changes, always with the same parentElement. So the DOM from live.html is
// reused, all per-instance state hangs off the root element, and each call just
// ingests the new payload. The returned cleanup only runs on unmount.
//
// What to show when lives in player.js (no DOM); the pictures are computed here from each frame's
// parameters (forward.js) and drawn by netview.js (the network), boundary.js and loss.js. The stage's
// switches live in the component's state ("view", echoed back in data.view so a remount keeps them);
// a click on an edge fires the "pick" trigger with that weight.

import { Player, curveUpTo } from "./player.js";
import { decodeFloat64, forwardGrid, probsToBytes, splitLayers, splitNeurons } from "./forward.js";
import { readTheme } from "./theme.js";
import {
  createNetCache, detailHit, drawNetwork, drawNeuronDetail, edgePoint, hitTest, layoutDetail, layoutNetwork, phaseAt,
} from "./netview.js";
import { boundaryBox, drawBoundary, pointsKey } from "./boundary.js";
import { drawLoss } from "./loss.js";

export default function (args) {
  const { data, parentElement, setTriggerValue, setStateValue } = args;
  const root = parentElement.querySelector(".bpl-root");
  if (!root) return;
  const S = root.__bpl || (root.__bpl = createInstance(root));
  // Keep the newest ones (they carry the current fragment id).
  S.setTrigger = setTriggerValue;
  S.setState = setStateValue;
  ingest(S, data);
  return () => destroy(S);
}

const PHASE_NAMES = { forward: "forward pass", backward: "backward pass", update: "update" };

function createInstance(root) {
  // Percentage heights need every ancestor up to Streamlit's fixed-height box
  // to have a height; Streamlit wraps our HTML in plain divs.
  for (let el = root.parentElement; el; el = el.parentElement) {
    el.style.height = "100%";
    if (el.classList.contains("stBidiComponent")) break;
  }
  const S = {
    root,
    nCanvas: root.querySelector("canvas.bpl-net"),
    bCanvas: root.querySelector("canvas.bpl-boundary"),
    lCanvas: root.querySelector("canvas.bpl-loss"),
    status: root.querySelector(".bpl-status"),
    message: root.querySelector(".bpl-message"),
    modeButtons: Array.from(root.querySelectorAll(".bpl-mode")),
    arrowsBox: root.querySelector(".bpl-arrows"),
    phasesSelect: root.querySelector(".bpl-phases"),
    // grid-sized probability image; points + axes layer of the boundary plot
    boundary: { shade: document.createElement("canvas"), overlay: null, overlayKey: "" },
    pointsKey: "none",
    theme: null,
    model: null, // {inputs, classes, layers}
    view: { mode: "weights", arrows: false, phases_ms: 1000 },
    viewSent: false,
    computed: new WeakMap(), // frame -> {maps, probs}: the pictures of the frames drawn lately
    geom: null,
    selection: null, // neurons shown per wide layer, kept while playing so nodes do not flicker
    detail: null, // {layer, j}: the neuron enlarged, or null
    netCache: createNetCache(),
    anim: null, // {before, after, start, durations}: one Step in phases
    raf: 0,
    drawn: { net: false, b: false, l: false },
    // stageDraws / drawnIteration: draws in which all three canvases drew the same frame (bench/bench_browser.py).
    stats: { framesDrawn: 0, blankFrames: 0, lastIteration: null, lastDrawMs: 0,
             stageDraws: 0, drawnIteration: null },
  };
  S.player = new Player({
    now: () => performance.now(),
    onAsk: (seq) => S.setTrigger("need_frames", seq),
    onPausedAt: (iteration) => S.setTrigger("paused_at", iteration),
    stats: S.stats,
  });
  window.__backpropLive = S.stats;
  wireControls(S);
  // RO callbacks run before paint, so resizing (which clears a canvas) and
  // redrawing happen in the same frame: no blank flash.
  S.ro = new ResizeObserver(() => draw(S));
  for (const cv of [S.nCanvas, S.bCanvas, S.lCanvas]) S.ro.observe(cv.parentElement);
  return S;
}

function wireControls(S) {
  for (const b of S.modeButtons) {
    b.addEventListener("click", () => setView(S, { mode: b.dataset.mode }));
  }
  S.arrowsBox.addEventListener("change", () => setView(S, { arrows: S.arrowsBox.checked }));
  S.phasesSelect.addEventListener("change", () => setView(S, { phases_ms: +S.phasesSelect.value }));
  S.nCanvas.addEventListener("click", (e) => onNetClick(S, e));
}

// A switch moved: redraw now, and tell the server (the arrows need its input gradients; a remount
// restores the switches from data.view).
function setView(S, change) {
  S.view = { ...S.view, ...change };
  S.viewSent = true;
  showView(S);
  if (S.setState) S.setState("view", { ...S.view });
  draw(S);
}

function showView(S) {
  for (const b of S.modeButtons) b.setAttribute("aria-pressed", String(b.dataset.mode === S.view.mode));
  S.arrowsBox.checked = !!S.view.arrows;
  S.phasesSelect.value = String(S.view.phases_ms);
  if (S.phasesSelect.value !== String(S.view.phases_ms)) S.phasesSelect.value = "1000";
}

function onNetClick(S, e) {
  if (!S.geom) return;
  const r = S.nCanvas.getBoundingClientRect();
  const x = e.clientX - r.left, y = e.clientY - r.top;
  const f = S.shownFrame;
  if (S.detail) {
    // The enlarged neuron covers the network: its close box closes it, a weight's row opens that
    // weight in the one-weight drill-down.
    const hit = f ? detailHit({ w: r.width, h: r.height }, S.model, f, S.detail, x, y, detailOpts(S)) : null;
    if (hit && hit.kind === "edge") pick(S, hit);
    else if (hit && hit.kind === "close") S.detail = null;
    S.stats.detail = S.detail;
    draw(S);
    return;
  }
  const hit = hitTest(S.geom, x, y);
  if (!hit) return;
  if (hit.kind === "neuron") {
    S.detail = { layer: hit.layer, j: hit.j };
    S.stats.detail = S.detail;
    draw(S);
  } else if (hit.kind === "edge") {
    pick(S, hit);
  }
}

function pick(S, hit) {
  S.stats.picked = { layer: hit.layer, i: hit.i, j: hit.j };
  S.setTrigger("pick", { layer: hit.layer, i: hit.i, j: hit.j });
}

function detailOpts(S) {
  const big = !!(S.player.d && S.player.d.presentation);
  return { big, fontPx: big ? 17 : 12, cache: S.netCache };
}

function destroy(S) {
  if (S.raf) cancelAnimationFrame(S.raf);
  S.raf = 0;
  S.ro.disconnect();
  delete S.root.__bpl;
}

// A frame as the payload sends it -> numbers in typed arrays, per layer.
function decodeFrame(f, layers) {
  try {
    const params = splitLayers(decodeFloat64(f.params), layers);
    const grads = splitLayers(decodeFloat64(f.grads), layers, ["dW", "db"]);
    const activity = splitNeurons(decodeFloat64(f.activity), layers);
    const grad = splitNeurons(decodeFloat64(f.grad), layers);
    // Older payloads (and tests) may have no states: every neuron then counts as working.
    const state = typeof f.state === "string" ? splitNeurons(decodeFloat64(f.state), layers) : [];
    const out = { ...f, layers: params.map((p, l) => ({ ...p, ...grads[l], activity: activity[l], grad: grad[l], state: state[l] || null })) };
    delete out.params;
    delete out.grads;
    delete out.activity;
    delete out.grad;
    delete out.state;
    out.input_grads = typeof f.input_grads === "string" ? decodeFloat64(f.input_grads) : null;
    return out;
  } catch (err) {
    return { ...f, layers: null }; // drawn as numbers only; never a broken picture
  }
}

function ingest(S, d) {
  if (!d || typeof d !== "object") return;
  const net = d.net && Array.isArray(d.net.layers) ? d.net : { inputs: [], layers: [] };
  const frames = (d.frames || []).map((f) => decodeFrame(f, net.layers));
  const changed = S.player.ingest(d, frames);
  if (S.player.d === d) {
    const key = JSON.stringify([net.inputs, net.layers]);  // another feature of the same count is another model
    if (!S.model || S.model.key !== key) {
      S.model = { ...net, classes: d.classes, key };
      S.selection = null;
      S.detail = null;
    }
    S.pointsKey = pointsKey(d.points);
    S.theme = readTheme(S.root);
    S.root.classList.toggle("bpl-presentation", !!d.presentation);
    S.message.textContent = d.message || "";
    if (!S.viewSent && d.view) {
      S.view = { ...S.view, ...d.view };
      showView(S);
    }
    startPhases(S, d, frames);
  }
  if (changed) draw(S);
  if ((S.player.playing || S.anim) && !S.raf) S.raf = requestAnimationFrame(() => tick(S));
}

// One Step (two frames, n - 1 and n) is played in phases; anything else ends a running animation,
// except the same step's frame sent again by a rerun.
function startPhases(S, d, frames) {
  const last = frames[frames.length - 1];
  if (d.phases && frames.length === 2 && S.view.phases_ms > 0 && frames[0].layers && last.layers) {
    const ms = S.view.phases_ms;
    S.anim = { before: frames[0], after: last, start: performance.now(),
               durations: { forward: 0.35 * ms, backward: 0.35 * ms, update: 0.3 * ms } };
  } else if (S.anim && !(last && !d.playing && last.iteration === S.anim.after.iteration)) {
    S.anim = null;
  }
}

function tick(S) {
  S.raf = 0;
  if (!S.root.isConnected) return destroy(S);
  if (!S.drawn.b || !S.drawn.l || !S.drawn.net) S.stats.blankFrames++;
  let redraw = false;
  if (S.anim) redraw = true;
  if (S.player.playing && S.player.tick()) redraw = true;
  if (redraw) draw(S);
  if (S.player.playing || S.anim) S.raf = requestAnimationFrame(() => tick(S));
}

// The pictures of frame `f` (its network over the grid), computed once for the frames on screen: the
// neuron maps, and the class probabilities or, for regression, the fitted curve (the output layer's values).
function pictures(S, f, d) {
  const g = d.grid;
  if (!f || !f.layers || !g || !(g.w > 0)) return null;
  let p = S.computed.get(f);
  if (!p) {
    const out = forwardGrid(S.model.layers, f.layers, g, S.model.features || []);
    const regression = d.task === "regression";
    p = { maps: { w: g.w, h: g.h, inputs: out.inputs, layers: out.layers },
          probs: regression ? null : probsToBytes(out.probs), curve: regression ? out.layers[out.layers.length - 1] : null };
    S.computed.set(f, p);
  }
  return p;
}

function draw(S) {
  const { d } = S.player;
  if (!d || !S.model) return;
  const t0 = performance.now();
  let f = S.player.current, anim = null;
  if (S.anim) {
    const ph = phaseAt(t0 - S.anim.start, S.anim.durations);
    if (ph.phase === "done") S.anim = null;
    else {
      anim = { ...ph, before: S.anim.before };
      // Forward and backward happen at the weights before the update; the update moves to the new ones.
      f = ph.phase === "update" ? S.anim.after : S.anim.before;
    }
  }
  const pic = pictures(S, f, d);
  const sn = fitCanvas(S.nCanvas), sb = fitCanvas(S.bCanvas), sl = fitCanvas(S.lCanvas);
  let netNow = false, bNow = false, lNow = false;
  S.shownFrame = f;
  if (sn && f && f.layers && pic) {
    const big = !!d.presentation, fontPx = big ? 17 : 12;
    const measure = (text, px) => {
      sn.ctx.font = `${px}px ${S.theme.font}`;
      return sn.ctx.measureText(text).width;
    };
    S.geom = layoutNetwork(S.model, { w: sn.w, h: sn.h }, {
      mode: S.view.mode, frame: f, previousSelection: S.player.playing || anim ? S.selection : null,
      fontPx, big, measure,
    });
    S.selection = S.geom.selection;
    const beforePic = anim ? pictures(S, S.anim && S.anim.before, d) : null;
    drawNetwork(sn.ctx, S.geom, S.model, f, pic.maps, S.theme, {
      big, cache: S.netCache, selected: S.detail,
      anim: anim ? { ...anim, beforeMaps: beforePic && beforePic.maps } : null,
    });
    if (S.detail) {
      drawNeuronDetail(sn.ctx, { w: sn.w, h: sn.h }, S.model, f, pic.maps, S.theme, S.detail, detailOpts(S));
      S.stats.detailClose = layoutDetail({ w: sn.w, h: sn.h }, S.model, f, S.detail, detailOpts(S)).close;
    }
    S.stats.targets = clickTargets(S.geom, f);
    S.drawn.net = netNow = true;
  }
  const shown = pic ? { ...f, probs: pic.probs, curve: pic.curve } : f;
  if (sb) {
    const ok = drawBoundary(S.boundary, sb, d, shown, S.theme, S.pointsKey);
    S.drawn.b = ok || S.drawn.b;
    bNow = ok && !!pic;
    if (S.view.arrows && f && f.input_grads) drawArrows(sb, d, f.input_grads, S.theme);
  }
  if (sl) {
    const curve = anim && f !== S.player.current ? curveUpTo(S.player.curve, f.iteration) : S.player.curve;
    S.drawn.l = (lNow = drawLoss(sl, d, curve, f || S.player.current, S.theme)) || S.drawn.l;
  }
  // The one iteration number on screen, with the numbers of the very frame the pictures show.
  showStatus(S.status, statusParts(S.player.current, anim, S.anim, d.task === "regression"));
  if (S.player.current) S.stats.lastIteration = S.player.current.iteration;
  if (netNow && bNow && lNow && f === S.player.current) { // not mid-Step: the net shows the weights before
    S.stats.stageDraws++;
    S.stats.drawnIteration = S.player.current.iteration;
  }
  S.stats.framesDrawn++;
  S.stats.lastDrawMs = +(performance.now() - t0).toFixed(2);
}

// Where a test can click: the most active shown hidden neuron's centre and a point on one of its incoming
// edges (in CSS pixels of the network canvas), each with what hitTest makes of it there.
function clickTargets(geom, f) {
  const col = geom.columns[1];
  if (!col || !col.nodes.length) return null;
  const act = f.layers[0].activity; // the most active one: its weights are learning
  const node = col.nodes.reduce((a, b) => (Math.abs(act[b.j]) > Math.abs(act[a.j]) ? b : a));
  const e = geom.edges.find((edge) => edge.k === 1 && edge.j === node.j);
  const at = (x, y) => ({ x, y, hit: hitTest(geom, x, y) });
  const p = e && edgePoint(geom, e);
  return { neuron: at(node.x, node.y), edge: p ? at(p.x, p.y) : null };
}

// −dL/dx of each training point (the first points of the payload) as an arrow: the way the point would
// have to move to lower its own loss. Scaled so the longest arrow (the 95th percentile, so one outlier
// does not shrink the rest to dots) is 9% of the plot's width; only the direction and relative size matter.
// One input (regression): the point's x is its only input, so the arrow is horizontal (its y is the target).
function drawArrows({ ctx, w, h }, d, grads, th) {
  const box = boundaryBox(w, h, d, th), dims = d.net && d.net.inputs.length === 1 ? 1 : 2;
  const n = Math.floor(grads.length / dims);
  if (!n) return;
  const g = new Float64Array(2 * n); // (dx1, dx2) per point; dx2 = 0 for one input
  for (let s = 0; s < n; s++) {
    g[2 * s] = grads[dims * s];
    g[2 * s + 1] = dims === 2 ? grads[dims * s + 1] : 0;
  }
  const len = new Float64Array(n);
  for (let s = 0; s < n; s++) len[s] = Math.hypot(g[2 * s], g[2 * s + 1]);
  const sorted = Array.from(len).sort((a, b) => a - b);
  const ref = sorted[Math.floor(0.95 * (n - 1))] || sorted[n - 1];
  if (!(ref > 0)) return;
  const scale = (0.09 * box.pw) / ref, big = !!d.presentation;
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.px, box.py, box.pw, box.ph);
  ctx.clip();
  ctx.strokeStyle = th.outline;
  ctx.fillStyle = th.outline;
  ctx.lineWidth = big ? 2 : 1.3;
  const sx = box.pw / (d.grid.x1 - d.grid.x0), sy = box.ph / (d.grid.y1 - d.grid.y0);
  for (let s = 0; s < n; s++) {
    const L = Math.min(len[s], 2 * ref) * scale;
    if (L < 1.5) continue;
    const x = box.X(d.points.x[s]), y = box.Y(d.points.y[s]);
    const ux = (g[2 * s] * sx) / Math.hypot(g[2 * s] * sx, g[2 * s + 1] * sy);
    const uy = (-g[2 * s + 1] * sy) / Math.hypot(g[2 * s] * sx, g[2 * s + 1] * sy);
    const ex = x + ux * L, ey = y + uy * L, head = Math.min(6, 0.4 * L) * (big ? 1.3 : 1);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(ex, ey);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(ex, ey);
    ctx.lineTo(ex - head * (ux - 0.5 * uy), ey - head * (uy + 0.5 * ux));
    ctx.lineTo(ex - head * (ux + 0.5 * uy), ey - head * (uy - 0.5 * ux));
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
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

// The stage's one status line, in parts: a phone wraps it between parts, never inside "test 35.0%". A
// regression's accuracy is the book's strict one (nncore.MeanSquaredError): a fit that looks perfect may
// score 4%, so the line says what it counts.
export function statusParts(f, anim, step, regression = false) {
  if (!f) return [];
  const pct = (a) => (a == null ? "–" : (100 * a).toFixed(1) + "%");
  if (anim && step) {
    const head = `Step ${step.before.iteration} → ${step.after.iteration}: ${PHASE_NAMES[anim.phase]}`;
    return anim.phase === "update" ? [head] : [head, `loss ${fmt(step.before.loss)}`];
  }
  const parts = [`Iteration ${f.iteration}`, `loss ${fmt(f.loss)}` + (f.reg_loss ? ` (+ reg. ${fmt(f.reg_loss)})` : ""),
    `accuracy${regression ? " (± std/250)" : ""} ${pct(f.acc)}`];
  if (f.test_acc != null) parts.push(`test ${pct(f.test_acc)}`);
  return parts;
}

function showStatus(el, parts) {
  const text = parts.join(" · ");
  if (el.textContent === text) return; // most frames of a paused stage
  el.replaceChildren(...parts.flatMap((p, i) => {
    const span = el.ownerDocument.createElement("span");
    span.textContent = p;
    return i ? [" · ", span] : [span];
  }));
}

export function fmt(v) {
  if (v == null || !isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(1) : v.toPrecision(3);
}
