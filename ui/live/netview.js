// The network picture, TensorFlow-Playground style: inputs, the shown neurons of every dense layer and
// the outputs, each a small map of its activation over the input plane, joined by edges coloured by
// sign and drawn with width by magnitude (weights w, or gradients dL/dw).
//
// API (all geometry in CSS pixels of the canvas; layer index k: 0 = inputs, 1.. = dense layers):
//   selectNeurons(values, max = 16, previous = null, margin = 1.5) -> ascending indices of the `max`
//       largest |values| (ties: lower index; NaN counts as smallest). With `previous` (last call's
//       answer), its members stay unless an outsider beats the weakest member by `margin` times: no
//       flicker while playing. All indices when values.length <= max.
//   layoutNetwork(model, {w, h}, {mode, frame, previousSelection, fontPx, big, measure}) -> geom
//       (pure). mode "weights" (default) | "gradients"; a layer wider than 16 shows its 16 largest
//       |activity| (weights) or |grad| (gradients). previousSelection = the last geom.selection.
//       measure(text, px) -> width (default 0.56 * px per char; pass one built on ctx.measureText for exact fits).
//       theme: readTheme() (uses text, axis, dark, classRgb, font).
//       geom = {w, h, mode, fontPx, smallPx, selection: [[j...] per k],
//               columns: [{k, name, n, shown, size, x, nodes: [{j, x, y}] (centres; maps are size²),
//                          label: {lines, x, y, fontPx, lineH, width}, tags: [{j, text, x, y, align}],
//                          more: null | {count, text, x, y, w, h} (a hit box; text centred at x, y + h/2),
//                          hidden: null | {text, x, y, px}: the marks of the neurons not shown ("12 dead"),
//                          footer: null | {text, x, y, px}, edges: [start, end) into geom.edges}],
//               edges: [{k, name, i, j, x0, y0, x1, y1}] (k >= 1; weight W[i*n + j] of layer `name`),
//               legend: {x, y, fontPx, lineH, lines: [[{kind: "swatch"|"bar"|"text", rgb?, text?, x, w}]]},
//               marks: {dead, saturated} (shown neurons with each), legendMarks: the marks the legend
//               lists: those, and every one the hidden activations allow unless maps would fall under 12 px}
//   drawNetwork(ctx, geom, model, frame, maps, theme, opts) -> undefined. opts: {big, cache, selected:
//       {layer: k, j} (ringed), anim: {phase, t, before, beforeMaps}}. cache = createNetCache() kept by the caller
//       (offscreen canvases; the maps are repainted only when `maps` or the selection changes).
//       Hidden maps: diverging scale, normalised PER NEURON (saturating at that neuron's max |a| over
//       the plane: each map shows where its neuron fires; how strongly sets which 16 show, and the
//       detail view gives the numbers). Outputs: softmax neuron j from neutral to class j's colour by
//       p; sigmoid from class 0's colour (p = 0) through neutral (0.5) to class 1's (p = 1).
//       Edge colour/width/alpha: sign and |value| / niceLimit(the whole layer's W or dW).
//       Gradients mode: a bar left of each dense neuron, height |grad| / niceLimit(layer grad).
//       anim (durations from phaseAt): "forward": columns light left to right (frame maps, or
//       anim.beforeMaps, and before.W); "backward": before.dW flows from the output side back, the
//       neurons' bars (before.grad) appear right to left; "update": edges go from before.W to frame.W
//       while the maps cross-fade from beforeMaps to maps; "done" (or no anim): the mode's view.
//   hitTest(geom, x, y, tol = 5) -> {kind: "neuron", layer: k, j} | {kind: "more", layer: k}
//       | {kind: "edge", layer: name, k, i, j} | null. Neurons first, then "+N more", then the
//       nearest edge within tol px of its segment.
//   createNetCache(makeCanvas = () => document.createElement("canvas")) -> cache for drawNetwork and
//       drawNeuronDetail.
//   layoutDetail({w, h}, model, frame, sel, opts) -> the detail panel's geometry (pure; sel = {layer: k, j}, as hitTest gives;
//       opts {fontPx, big}): {title, close: {x, y, w, h}, map: {x, y, s}, scale: {x, y, w, h},
//       rows: [{kind: "mark"|"head"|"edge"|"more"|"stat", cells: [text...], y, i?}], colX: [x...], lineH, fontPx}
//       ("mark": the neuron's dead/saturated line, wrapped to the width, above the table)
//   drawNeuronDetail(ctx, {w, h}, model, frame, maps, theme, sel, opts) -> undefined: the enlarged map,
//       its colour scale, the incoming weights (largest |w| first, at most 10, "+N more") with dL/dw,
//       bias and dL/db, activity and grad; a "×" at the top right.
//   detailHit({w, h}, model, frame, sel, x, y, opts) -> {kind: "close"} | {kind: "edge", layer: name,
//       k, i, j} (a weight row: open the one-weight drill-down) | null.
//   neuronMark(frame, k, j) -> "dead" | "saturated" | null: nncore's state of neuron j of layer k on the
//       frame's batch (frame.layers[k - 1].state: 1 dead, 2 saturated; no states: null). Dead maps are
//       greyed with a dashed outline, saturated ones carry an "S" badge; the legend explains the marks
//       (a line of its own, only while a shown neuron has one: geom.marks = {dead, saturated} counts them),
//       and the detail says "dead: output 0 on all N samples of the batch" (N = frame.batch).
//   phaseAt(elapsedMs, durations = PHASES) -> {phase: "forward"|"backward"|"update"|"done", t in [0, 1]}.
//       Durations in ms ({forward, backward, update}; 0 skips a phase); scale them to slow it down.
//   PHASES = {forward: 350, backward: 350, update: 300}; MAX_SHOWN = 16.

import { NEGATIVE_RGB, NEUTRAL_DARK, NEUTRAL_LIGHT, POSITIVE_RGB, divergingLut, formatValue, magnitude, mixRgb, niceLimit } from "./scales.js";

export const MAX_SHOWN = 16;
export const PHASES = Object.freeze({ forward: 350, backward: 350, update: 300 });

const NODE_GAP = 0.28;           // vertical gap between maps, as a share of the map size
const DIM_ALPHA = 0.2;            // alpha of a column not reached yet by the forward pass

// ---------------------------------------------------------------- selection

export function selectNeurons(values, max = MAX_SHOWN, previous = null, margin = 1.5) {
  const n = values ? values.length : 0;
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const score = (i) => {
    const a = Math.abs(values[i]);
    return a === a ? a : -1;
  };
  const prevOk = Array.isArray(previous) && previous.length === max &&
    new Set(previous).size === max && previous.every((i) => Number.isInteger(i) && i >= 0 && i < n);
  if (!prevOk) return all.sort((i, j) => score(j) - score(i) || i - j).slice(0, max).sort((i, j) => i - j);
  const inSet = new Uint8Array(n);
  for (const i of previous) inSet[i] = 1;
  for (let round = 0; round < max; round++) {
    let weak = -1, strong = -1;
    for (let i = 0; i < n; i++) {
      if (inSet[i]) {
        if (weak < 0 || score(i) <= score(weak)) weak = i; // ties: the higher index is weaker
      } else if (strong < 0 || score(i) > score(strong)) {
        strong = i;
      }
    }
    if (!(score(strong) > margin * score(weak) || (score(weak) < 0 && score(strong) >= 0))) break;
    inSet[weak] = 0;
    inSet[strong] = 1;
  }
  return all.filter((i) => inSet[i]);
}

// ---------------------------------------------------------------- layout

const approxWidth = (text, px) => 0.56 * px * text.length;

// The smallest text the view draws (legends, tags, "+48 more", scales): 0.86 of the base size, and never
// under 11 px, a phone's floor for reading at arm's length.
const MIN_TEXT = 11;
const smallText = (F) => Math.max(MIN_TEXT, Math.round(F * 0.86));

function labelTexts(model, k) {
  if (k === 0) return ["inputs"];
  const L = model.layers.length, layer = model.layers[k - 1];
  if (k === L) return ["output", layer.activation];
  return [layer.name, `${layer.n} ${layer.activation}`];
}

function outputTag(model, j) {
  const layer = model.layers[model.layers.length - 1];
  if (!probabilityOutput(model)) return "y"; // regression: the fitted value
  return layer.n === 1 ? "P(class 1)" : `class ${j}`;
}

// ---------------------------------------------------------------- dead and saturated neurons

// nncore.activations' neuron states, as the frame carries them.
const MARKS = Object.freeze({ 1: "dead", 2: "saturated" });

export function neuronMark(frame, k, j) {
  const fl = k > 0 && frame && frame.layers ? frame.layers[k - 1] : null;
  const st = fl && fl.state;
  return st && j < st.length ? MARKS[st[j]] || null : null;
}

// "12 dead" (a ReLU layer) or "3 saturated" (sigmoid, tanh), "" if none: the marks of the neurons a wide
// layer does not show (the most active are shown, so a dead neuron is never among them), said under its
// "+N more".
function hiddenMarks(frame, k, shown, n) {
  if (k === 0 || shown.length >= n) return "";
  const seen = new Set(shown);
  const c = tallyMarks(frame, k, Array.from({ length: n }, (_, j) => j).filter((j) => !seen.has(j)));
  return [c.dead ? `${c.dead} dead` : "", c.saturated ? `${c.saturated} saturated` : ""].filter(Boolean).join(", ");
}

// How many of neurons `js` of column k carry each mark (added to `into`).
function tallyMarks(frame, k, js, into = { dead: 0, saturated: 0 }) {
  for (const j of js) { const m = neuronMark(frame, k, j); if (m) into[m]++; }
  return into;
}

// How many shown neurons carry each mark.
function countMarks(frame, selection) {
  const marks = { dead: 0, saturated: 0 };
  selection.forEach((shown, k) => tallyMarks(frame, k, shown, marks));
  return marks;
}

// What the detail says about a marked neuron (one line; the thresholds are nncore's).
function markText(mark, frame) {
  const n = frame && Number.isInteger(frame.batch) ? `all ${frame.batch}` : "all";
  return mark === "dead" ? `dead: output 0 on ${n} samples of the batch`
    : `saturated: slope < 1% of its max on ${n} samples of the batch`;
}

// `text` in lines of at most `width` px (approximately; a word longer than that gets a line of its own).
function wrapWords(text, width, px) {
  const lines = [];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && approxWidth(`${lines[last]} ${word}`, px) <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

// Whether the output layer gives class probabilities (softmax, sigmoid) or a value (linear: regression),
// which is drawn like a hidden neuron's output.
function probabilityOutput(model) {
  const L = model.layers.length;
  return L > 0 && model.layers[L - 1].activation !== "linear";
}

// The marks a network's hidden neurons can carry: ReLUs die, sigmoids and tanhs saturate (the output
// layer is never marked: nncore's Network.neuron_states).
function possibleMarks(model) {
  const hidden = model.layers.slice(0, -1).map((l) => l.activation);
  return { dead: +hidden.includes("relu"), saturated: +hidden.some((a) => a === "sigmoid" || a === "tanh") };
}

// Legend groups (each kept on one line): what colour and width mean, for the mode; the marks, in `marks`
// (counts; any above 0 is listed), on a line of their own.
function legendGroups(mode, marks, model) {
  const sign = [{ kind: "swatch", rgb: POSITIVE_RGB }, { kind: "text", text: "+" },
    { kind: "swatch", rgb: NEGATIVE_RGB }, { kind: "text", text: "−" }];
  const over = model && model.inputs.length === 1 ? "maps: output over x1, curve a(x1)" : "maps: output over (x1, x2)";
  const groups = mode === "gradients"
    ? [sign, [{ kind: "text", text: "edges: dL/dw, width |dL/dw|" }],
      [{ kind: "bar" }, { kind: "text", text: "|dL/da| into the neuron (full: the max below)" }]]
    : [sign, [{ kind: "text", text: "edges: weight w, width |w|" }], [{ kind: "text", text: over }]];
  const marked = [];
  if (marks.dead) marked.push([{ kind: "dead" }, { kind: "text", text: "dead = outputs 0 for every sample" }]);
  if (marks.saturated) marked.push([{ kind: "saturated" }, { kind: "text", text: "saturated = slope < 1% for every sample" }]);
  if (marked.length) marked[0][0] = { ...marked[0][0], newLine: true };
  return groups.concat(marked);
}

// The smallest map worth drawing: a layout that would shrink them below it keeps no legend line free for
// marks no shown neuron has yet (tests/js hold every layout to it).
const MIN_MAP = 12;

export function layoutNetwork(model, box, opts = {}) {
  const reserve = opts.reserveMarks !== false;
  const geom = layoutOnce(model, box, opts, reserve);
  const reserved = geom.legendMarks.dead > geom.marks.dead || geom.legendMarks.saturated > geom.marks.saturated;
  const smallest = Math.min(...geom.columns.map((c) => c.size));
  return reserve && reserved && smallest < MIN_MAP ? layoutOnce(model, box, opts, false) : geom;
}

// One layout. The legend lists the marks a shown neuron has and, with `reserve`, every mark the network's
// activations allow: then the maps keep their size and place when a neuron dies while playing.
function layoutOnce(model, box, opts, reserve) {
  const { w, h } = box;
  const big = !!opts.big;
  const F = opts.fontPx || (big ? 17 : 12);
  const small = smallText(F);
  const measure = opts.measure || approxWidth;
  const mode = opts.mode === "gradients" ? "gradients" : "weights";
  const frame = opts.frame || null;
  const prevSel = opts.previousSelection || [];
  const pad = 4;
  const L = model.layers.length, C = L + 1;
  const barW = mode === "gradients" ? Math.max(3, Math.round(F * 0.3)) : 0;
  const barRoom = barW ? barW + 2 : 0;

  // Which neurons each column shows.
  const selection = [];
  for (let k = 0; k < C; k++) {
    const n = k === 0 ? model.inputs.length : model.layers[k - 1].n;
    const fl = k > 0 && frame && frame.layers ? frame.layers[k - 1] : null;
    const vals = fl && fl[mode === "gradients" ? "grad" : "activity"];
    selection.push(selectNeurons(vals && vals.length === n ? vals : new Float64Array(n), MAX_SHOWN, prevSel[k]));
  }

  // Horizontal room: input names on the left, output tags on the right.
  const leftText = Math.max(0, ...model.inputs.map((s) => measure(s, small))) + 5;
  const rightText = L ? Math.max(...Array.from({ length: model.layers[L - 1].n }, (_, j) => measure(outputTag(model, j), small))) + 5 : 0;

  // Legend: groups laid out left to right, wrapping onto more lines when the width runs out.
  const lineH = Math.round(small * 1.35);
  const legendLines = [[]];
  let lx = pad;
  const sw = small * 0.9;
  const marks = countMarks(frame, selection);
  const possible = reserve ? possibleMarks(model) : { dead: 0, saturated: 0 };
  const legendMarks = { dead: Math.max(marks.dead, possible.dead), saturated: Math.max(marks.saturated, possible.saturated) };
  for (const g of legendGroups(mode, legendMarks, model)) {
    const items = g.map((it) => ({ ...it, w: it.kind === "text" ? measure(it.text, small) : it.kind === "bar" ? barW + 2 : sw }));
    const gw = items.reduce((s, it) => s + it.w + 4, 0);
    if (lx > pad && (lx + gw > w - pad || g[0].newLine)) { legendLines.push([]); lx = pad; }
    for (const it of items) { legendLines[legendLines.length - 1].push({ ...it, x: lx }); lx += it.w + 4; }
    lx += small * 0.8;
  }
  const legendH = legendLines.length * lineH;
  const legend = { x: pad, y: h - pad - legendH, fontPx: small, lineH, lines: legendLines };

  // Provisional sizes: the map size as fits the height; then the horizontal pitch caps it.
  const cap = big ? 110 : 90;
  // A column with "+N more" keeps a line for its hidden marks whether or not there are any: the maps must
  // not change size while playing as neurons die.
  const footLines = (k) => (selection[k].length < (k === 0 ? model.inputs.length : model.layers[k - 1].n) ? 2 : 0) +
    (mode === "gradients" && k > 0 ? 1 : 0);
  let labels = null, top = 0, xs = [], sizes = [], pitch = 0;
  // Labels: one line "dense1 · 64 relu" if they all fit side by side, else two lines, else smaller.
  const tries = [[1, F], [2, F], [2, smallText(F)], [2, Math.max(MIN_TEXT, F * 0.74)]];
  for (let attempt = 0; attempt < tries.length; attempt++) {
    const [nLines, lf] = tries[attempt];
    const lh = Math.round(lf * 1.2);
    top = pad + nLines * lh + Math.round(F * 0.5);
    const bottom = legend.y - Math.round(F * 0.4);
    const availH = Math.max(10, bottom - top);
    sizes = selection.map((sel, k) => {
      const m = Math.max(1, sel.length);
      return Math.max(4, Math.min(cap, (availH - footLines(k) * small * 1.35) / (m + NODE_GAP * (m - 1))));
    });
    for (let pass = 0; pass < 2; pass++) {
      const xFirst = pad + leftText + sizes[0] / 2;
      const xLast = w - pad - rightText - sizes[C - 1] / 2;
      pitch = C > 1 ? (xLast - xFirst) / (C - 1) : 0;
      xs = Array.from({ length: C }, (_, k) => (C > 1 ? xFirst + k * pitch : w / 2));
      if (C > 1) sizes = sizes.map((s) => Math.max(4, Math.min(s, pitch * 0.5 - barRoom)));
    }
    labels = xs.map((x, k) => {
      const t = labelTexts(model, k);
      const lines = nLines === 1 ? [t.join(" · ")] : t;
      const width = Math.max(...lines.map((s) => measure(s, lf)));
      const cx = Math.min(w - pad - width / 2, Math.max(pad + width / 2, x));
      return { lines, x: cx, y: pad, fontPx: lf, lineH: lh, width };
    });
    const ok = labels.every((lb, k) => k === 0 || labels[k - 1].x + labels[k - 1].width / 2 + lf <= lb.x - lb.width / 2);
    if (ok) break;
  }

  const bottom = legend.y - Math.round(F * 0.4);
  const columns = [];
  const edges = [];
  // A line under a column, centred on it, no wider than the pitch less a gap, so two never touch: its font
  // size, one px under the floor if need be ("13 saturated" on a phone's 5-64-64-1), or 0 if it does not fit.
  const fitsUnder = (text) => [small, small - 1].find((px) => C < 2 || measure(text, px) <= pitch - px * 0.4) || 0;
  for (let k = 0; k < C; k++) {
    const s = sizes[k], shown = selection[k], m = shown.length;
    const n = k === 0 ? model.inputs.length : model.layers[k - 1].n;
    const foot = footLines(k) * small * 1.35;
    const colH = m * s + Math.max(0, m - 1) * NODE_GAP * s;
    let y = top + Math.max(0, (bottom - top - colH - foot) / 2);
    const nodes = shown.map((j) => {
      const node = { j, x: xs[k], y: y + s / 2 };
      y += s * (1 + NODE_GAP);
      return node;
    });
    let fy = y - s * NODE_GAP + small * 0.25;
    let more = null, hidden = null, footer = null;
    if (m < n) {
      const text = `+${n - m} more`;
      const tw = measure(text, small);
      more = { count: n - m, text, x: xs[k], y: fy, w: tw + 6, h: small * 1.3 };
      fy += small * 1.35;
      const note = hiddenMarks(frame, k, shown, n);
      const px = note && fitsUnder(note);
      if (px) hidden = { text: note, x: xs[k], y: fy, px };
      fy += small * 1.35;
    }
    if (mode === "gradients" && k > 0) {
      const fl = frame && frame.layers && frame.layers[k - 1];
      const text = `max ${formatValue(fl && fl.grad ? niceLimit(fl.grad) : NaN)}`;
      const px = fitsUnder(text);
      if (px) footer = { text, x: xs[k], y: fy, px };
    }
    const tags = [];
    if (k === 0) for (const nd of nodes) tags.push({ j: nd.j, text: model.inputs[nd.j], x: nd.x - s / 2 - 4, y: nd.y, align: "right" });
    if (k === C - 1 && k > 0) for (const nd of nodes) tags.push({ j: nd.j, text: outputTag(model, nd.j), x: nd.x + s / 2 + 4, y: nd.y, align: "left" });
    const start = edges.length;
    if (k > 0) {
      const prev = columns[k - 1], name = model.layers[k - 1].name;
      for (const a of prev.nodes) {
        for (const b of nodes) {
          edges.push({ k, name, i: a.j, j: b.j, x0: a.x + prev.size / 2, y0: a.y, x1: b.x - s / 2 - barRoom, y1: b.y });
        }
      }
    }
    columns.push({ k, name: k === 0 ? "inputs" : model.layers[k - 1].name, n, shown, size: s, x: xs[k], nodes,
      label: labels[k], tags, more, hidden, footer, edges: [start, edges.length], barW: k > 0 ? barW : 0 });
  }
  return { w, h, mode, fontPx: F, smallPx: small, big, selection, columns, edges, legend, marks, legendMarks };
}

// ---------------------------------------------------------------- hit testing

function segDist2(px, py, e) {
  const dx = e.x1 - e.x0, dy = e.y1 - e.y0;
  const L2 = dx * dx + dy * dy;
  const t = L2 > 0 ? Math.max(0, Math.min(1, ((px - e.x0) * dx + (py - e.y0) * dy) / L2)) : 0;
  const qx = e.x0 + t * dx - px, qy = e.y0 + t * dy - py;
  return qx * qx + qy * qy;
}

// A point on edge `e` as far as can be from every other edge (the one of a few along it with the widest
// margin): where a click surely picks `e` (the browser tests click it; a point where two edges cross would
// pick either, by half a pixel).
export function edgePoint(geom, e) {
  let best = null;
  for (const t of [0.4, 0.3, 0.5, 0.25, 0.6, 0.2, 0.7]) {
    const x = e.x0 + t * (e.x1 - e.x0), y = e.y0 + t * (e.y1 - e.y0);
    let margin = Infinity;
    for (const o of geom.edges) if (o !== e) margin = Math.min(margin, segDist2(x, y, o));
    if (!best || margin > best.margin) best = { x, y, margin };
  }
  return { x: best.x, y: best.y };
}

export function hitTest(geom, x, y, tol = 5) {
  if (!geom) return null;
  for (const col of geom.columns) {
    const r = col.size / 2 + 2 + col.barW;
    for (const nd of col.nodes) if (Math.abs(x - nd.x) <= r && Math.abs(y - nd.y) <= col.size / 2 + 2) return { kind: "neuron", layer: col.k, j: nd.j };
  }
  for (const col of geom.columns) {
    const m = col.more;
    if (m && Math.abs(x - m.x) <= m.w / 2 && y >= m.y && y <= m.y + m.h) return { kind: "more", layer: col.k };
  }
  let best = null, bd = tol * tol;
  for (const e of geom.edges) {
    const d = segDist2(x, y, e);
    if (d <= bd) { bd = d; best = e; }
  }
  return best ? { kind: "edge", layer: best.name, k: best.k, i: best.i, j: best.j } : null;
}

// ---------------------------------------------------------------- phases

export function phaseAt(elapsedMs, durations = PHASES) {
  const d = { ...PHASES, ...durations };
  let t = elapsedMs > 0 ? elapsedMs : 0;
  if (elapsedMs !== elapsedMs) return { phase: "done", t: 1 };
  for (const phase of ["forward", "backward", "update"]) {
    const len = Math.max(0, d[phase] || 0);
    if (t < len) return { phase, t: t / len };
    t -= len;
  }
  return { phase: "done", t: 1 };
}

// ---------------------------------------------------------------- drawing

export function createNetCache(makeCanvas = () => document.createElement("canvas")) {
  return { makeCanvas, atlases: [] };
}

const cssRgba = (c, a) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

function gridMaxAbs(a, n, stride, off) {
  let m = 0;
  for (let p = 0; p < n; p++) { const v = Math.abs(a[p * stride + off]); if (v > m) m = v; }
  return m;
}

// A tile's colours as a lookup table of 2 * LUT_STEPS + 1 packed RGBA words (little-endian, as every
// browser is), indexed by round(u * 2 * LUT_STEPS) for u in [0, 1]: maps are painted a word per pixel.
const LUT_STEPS = 128;

function packLut(rgbAt) {
  const out = new Uint32Array(2 * LUT_STEPS + 1);
  for (let q = 0; q <= 2 * LUT_STEPS; q++) {
    const c = rgbAt(q / (2 * LUT_STEPS));
    out[q] = (255 << 24 | Math.round(c[2]) << 16 | Math.round(c[1]) << 8 | Math.round(c[0])) >>> 0;
  }
  return out;
}

// Colour tables of one theme: hidden and input maps on the diverging scale (u = 0.5 + v / 2 limit),
// softmax outputs neutral -> class colour (u = p), a sigmoid output class 0 -> neutral -> class 1 (u = p).
function tileLuts(theme) {
  const neutral = theme.dark ? NEUTRAL_DARK : NEUTRAL_LIGHT;
  const cls = theme.classRgb || [POSITIVE_RGB, NEGATIVE_RGB];
  const div = divergingLut({ dark: theme.dark }, LUT_STEPS);
  return {
    neutral,
    diverging: packLut((u) => { const q = 3 * Math.round(u * 2 * LUT_STEPS); return [div[q], div[q + 1], div[q + 2]]; }),
    classes: cls.map((c) => packLut((u) => mixRgb(neutral, c, u))),
    sigmoid: packLut((u) => (u < 0.5 ? mixRgb(neutral, cls[0], 1 - 2 * u) : mixRgb(neutral, cls[1 % cls.length], 2 * u - 1))),
  };
}

// Paint the map of neuron j of column k into 32-bit pixels `px` (row stride `stride`) at column offset
// ox; the tile is mw + 2 wide: a copy of the edge pixels on both sides, so smoothing never blends in the
// neighbouring map. Grid row 0 is the bottom of the plot.
function paintTile(px, stride, ox, k, j, model, maps, luts) {
  const mw = maps.w, mh = maps.h, N = mw * mh, L = model.layers.length;
  let src = null, sn = 1;
  if (k === 0) src = maps.inputs && maps.inputs[j];
  else { src = maps.layers && maps.layers[k - 1]; sn = model.layers[k - 1].n; }
  const ok = !!src && src.length >= N * sn;
  const out = k === L && k > 0 && probabilityOutput(model);
  let lut, a = 1, b = 0, nanQ = LUT_STEPS;
  if (!out) {
    lut = luts.diverging;
    const lim = ok ? gridMaxAbs(src, N, sn, j) : 0;
    a = lim > 0 ? 0.5 / lim : 0; b = 0.5;
  } else if (sn === 1) {
    lut = luts.sigmoid;
  } else {
    lut = luts.classes[j % luts.classes.length];
    nanQ = 0;
  }
  const S2 = 2 * LUT_STEPS;
  for (let r = 0; r < mh; r++) {
    const o = (mh - 1 - r) * stride + ox + 1;
    if (!ok) { px.fill(lut[nanQ], o - 1, o + mw + 1); continue; }
    for (let c = 0, p = r * mw * sn + j; c < mw; c++, p += sn) {
      const v = src[p], u = v * a + b;
      px[o + c] = lut[v !== v ? nanQ : u > 0 ? (u < 1 ? (u * S2 + 0.5) | 0 : S2) : 0];
    }
    px[o - 1] = px[o];
    px[o + mw] = px[o + mw - 1];
  }
}

// An offscreen canvas holding the maps of `tiles` ([[k, j]...]) side by side; the last two are kept,
// as a step's animation cross-fades two sets of maps.
function mapAtlas(cache, maps, tiles, model, theme) {
  if (!maps || !(maps.w > 0) || !(maps.h > 0)) return null;
  const key = `${theme.dark ? 1 : 0}|${(theme.classRgb || []).join(",")}|${tiles.join(";")}`;
  const hit = cache.atlases.find((a) => a.maps === maps && a.key === key);
  if (hit) return hit;
  const tw = maps.w + 2, W = tw * tiles.length, H = maps.h;
  const entry = cache.atlases.length >= 2 ? cache.atlases.shift() : { canvas: cache.makeCanvas() };
  const cv = entry.canvas;
  if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
  const cx = cv.getContext("2d");
  const img = cx.createImageData(W, H);
  const px = new Uint32Array(img.data.buffer);
  const luts = cache.luts && cache.luts.key === key.split("|", 2).join("|") ? cache.luts : (cache.luts = { key: key.split("|", 2).join("|"), ...tileLuts(theme) });
  tiles.forEach(([k, j], t) => paintTile(px, W, t * tw, k, j, model, maps, luts));
  cx.putImageData(img, 0, 0);
  Object.assign(entry, { maps, key, tw, index: new Map(tiles.map(([k, j], t) => [`${k}:${j}`, t])) });
  cache.atlases.push(entry);
  return entry;
}

function drawTile(ctx, at, k, j, x, y, s) {
  const t = at && at.index.get(`${k}:${j}`);
  if (t == null) return false;
  ctx.drawImage(at.canvas, t * at.tw + 1, 0, at.tw - 2, at.canvas.height, x, y, s, s);
  return true;
}

// A 1-D map (one input x: maps.h = 1) is a strip, colour along x; over it its curve a(x), on the strip's
// own scale (0 at mid-height, the neuron's max |a| at the top or bottom), so the kink of a ReLU or the
// bend of a tanh reads as a shape. A probability output is drawn from p = 0 (bottom) to 1 (top).
function traceTile(ctx, k, j, model, maps, x, y, s, theme, big) {
  if (!maps || maps.h !== 1 || !(maps.w > 1)) return;
  const src = k === 0 ? maps.inputs && maps.inputs[j] : maps.layers && maps.layers[k - 1];
  const sn = k === 0 ? 1 : model.layers[k - 1].n, N = maps.w;
  if (!src || src.length < N * sn) return;
  const prob = k === model.layers.length && k > 0 && probabilityOutput(model);
  const lim = prob ? 0 : gridMaxAbs(src, N, sn, j);
  const at = prob ? (v) => y + s * (0.95 - 0.9 * v) : (v) => y + s / 2 - (lim > 0 ? (0.45 * s * v) / lim : 0);
  ctx.beginPath();
  for (let c = 0; c < N; c++) {
    const px = x + (s * c) / (N - 1), py = at(src[c * sn + j]);
    if (c) ctx.lineTo(px, py); else ctx.moveTo(px, py);
  }
  ctx.strokeStyle = theme.outline || (theme.dark ? "#F5F5F5" : "#1A1A1A"); // the netview tests' theme has none
  ctx.lineWidth = big ? 2 : 1.4;
  ctx.lineJoin = "round";
  ctx.stroke();
}

const EDGE_LEVELS = 8;

// Stroke the edges [start, end) of one layer, batched into sign x EDGE_LEVELS paths (one stroke each).
// value(e) -> the signed value; reveal in (0, 1]: the share of each edge drawn, from its target end.
function strokeEdges(ctx, geom, col, value, lim, alpha, reveal, big, dark) {
  const [start, end] = col.edges;
  // Many sources per target (16 x 16) would be a wall of thick lines: thinner the more there are.
  const fanIn = Math.max(1, geom.columns[col.k - 1].nodes.length);
  const wMin = 0.5, wMax = (big ? 7 : 5) * Math.min(1, 2.5 / Math.sqrt(fanIn));
  const paths = Array.from({ length: 2 * EDGE_LEVELS }, () => []);
  for (let e = start; e < end; e++) {
    const E = geom.edges[e], v = value(E);
    if (!(v === v) || v === 0) continue;
    const t = lim > 0 ? Math.min(1, Math.abs(v) / lim) : 1;
    paths[(v < 0 ? EDGE_LEVELS : 0) + Math.min(EDGE_LEVELS - 1, Math.floor(t * EDGE_LEVELS))].push(E);
  }
  for (let b = 0; b < EDGE_LEVELS; b++) { // faint first, strong on top
    for (const neg of [0, 1]) {
      const list = paths[neg * EDGE_LEVELS + b];
      if (!list.length) continue;
      const t = (b + 0.5) / EDGE_LEVELS;
      ctx.beginPath(); // steeper than linear: the strong few stand out, the many weak recede
      for (const E of list) {
        ctx.moveTo(E.x1, E.y1);
        ctx.lineTo(E.x1 + (E.x0 - E.x1) * reveal, E.y1 + (E.y0 - E.y1) * reveal);
      }
      const floor = dark ? 0.16 : 0.08; // dark lines on a dark page need more to be seen at all
      ctx.strokeStyle = cssRgba(neg ? NEGATIVE_RGB : POSITIVE_RGB, alpha * (floor + (1 - floor) * t * t));
      ctx.lineWidth = wMin + (wMax - wMin) * Math.pow(t, 1.5);
      ctx.stroke();
    }
  }
}

// A dead map greyed under a dashed outline; a saturated one with an "S" badge in its top-right corner.
function drawMark(ctx, mark, x, y, s, theme, font) {
  if (mark === "dead") {
    ctx.fillStyle = cssRgba(theme.dark ? [70, 70, 70] : [150, 150, 150], 0.65);
    ctx.fillRect(x, y, s, s);
    ctx.setLineDash([Math.max(2, s * 0.14), Math.max(2, s * 0.1)]);
    ctx.strokeStyle = theme.text;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x - 1, y - 1, s + 2, s + 2);
    ctx.setLineDash([]);
    return;
  }
  const b = Math.max(8, Math.min(s * 0.45, 18));
  ctx.fillStyle = theme.text;
  ctx.fillRect(x + s - b, y, b, b);
  ctx.fillStyle = theme.dark ? "#0e1117" : "#ffffff";
  ctx.font = `700 ${Math.round(b * 0.8)}px ${font}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText("S", x + s - b / 2, y + b / 2 + 0.5);
}

function layerArray(fl, name, n) {
  const a = fl && fl[name];
  return a && a.length === n ? a : null;
}

export function drawNetwork(ctx, geom, model, frame, maps, theme, opts = {}) {
  const { w, h, columns } = geom;
  const big = opts.big ?? geom.big;
  const cache = opts.cache || createNetCache();
  const anim = opts.anim && opts.anim.phase !== "done" ? opts.anim : null;
  const before = (anim && anim.before) || frame;
  const phase = anim ? anim.phase : "done", t = anim ? Math.max(0, Math.min(1, anim.t)) : 1;
  const C = columns.length, L = C - 1;
  const font = theme.font || "sans-serif";
  ctx.clearRect(0, 0, w, h);
  ctx.lineCap = "butt";

  // How lit each column is (forward) and how far the backward pass has come back to it.
  const lit = (k) => (phase === "forward" ? Math.max(0, Math.min(1, t * (C - 1) - (k - 1))) : 1);
  const back = (k) => (phase === "backward" ? Math.max(0, Math.min(1, t * L - (L - k))) : phase === "forward" ? 0 : 1);

  // Edges.
  for (let k = 1; k < C; k++) {
    const col = columns[k], n = model.layers[k - 1].n, nIn = k === 1 ? model.inputs.length : model.layers[k - 2].n;
    const cur = frame && frame.layers && frame.layers[k - 1];
    const old = before && before.layers && before.layers[k - 1];
    const size = nIn * n;
    const Wc = layerArray(cur, "W", size), Wb = layerArray(old, "W", size) || Wc;
    const at = (a) => (E) => a[E.i * n + E.j];
    if (!Wc) { // no parameters yet: the wiring alone
      ctx.beginPath();
      for (let e = col.edges[0]; e < col.edges[1]; e++) { const E = geom.edges[e]; ctx.moveTo(E.x0, E.y0); ctx.lineTo(E.x1, E.y1); }
      ctx.strokeStyle = cssRgba(theme.dark ? [200, 200, 200] : [90, 90, 90], 0.25);
      ctx.lineWidth = 0.7;
      ctx.stroke();
      continue;
    }
    if (phase === "forward") {
      strokeEdges(ctx, geom, col, at(Wb), niceLimit(Wb), DIM_ALPHA + (1 - DIM_ALPHA) * lit(k), 1, big, theme.dark);
    } else if (phase === "backward") {
      const dWb = layerArray(old, "dW", size);
      strokeEdges(ctx, geom, col, at(Wb), niceLimit(Wb), 0.3, 1, big, theme.dark);
      const r = back(k);
      if (dWb && r > 0) strokeEdges(ctx, geom, col, at(dWb), niceLimit(dWb), 1, r, big, theme.dark);
    } else if (phase === "update") {
      const lim = niceLimit(Wb) * (1 - t) + niceLimit(Wc) * t;
      strokeEdges(ctx, geom, col, (E) => Wb[E.i * n + E.j] * (1 - t) + Wc[E.i * n + E.j] * t, lim, 1, 1, big, theme.dark);
    } else if (geom.mode === "gradients") {
      const dW = layerArray(cur, "dW", size);
      if (dW) strokeEdges(ctx, geom, col, at(dW), niceLimit(dW), 1, 1, big, theme.dark);
    } else {
      strokeEdges(ctx, geom, col, at(Wc), niceLimit(Wc), 1, 1, big, theme.dark);
    }
  }

  // Maps, their frames and the gradient bars.
  const tiles = [];
  for (const col of columns) for (const nd of col.nodes) tiles.push([col.k, nd.j]);
  const now = mapAtlas(cache, maps, tiles, model, theme);
  const oldMaps = anim && anim.beforeMaps && phase !== "done" ? mapAtlas(cache, anim.beforeMaps, tiles, model, theme) : null;
  const frameCol = theme.axis;
  const neutral = theme.dark ? NEUTRAL_DARK : NEUTRAL_LIGHT;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  for (const col of columns) {
    const s = col.size, a = DIM_ALPHA + (1 - DIM_ALPHA) * lit(col.k);
    const showBars = col.k > 0 && (phase === "backward" ? back(col.k) > 0 : geom.mode === "gradients" && phase === "done");
    const src = phase === "backward" || phase === "forward" ? before : frame;
    const fl = src && src.layers && src.layers[col.k - 1];
    const g = col.k > 0 ? layerArray(fl, "grad", col.n) : null;
    const gl = g ? niceLimit(g) : 0;
    for (const nd of col.nodes) {
      const x = nd.x - s / 2, y = nd.y - s / 2;
      ctx.globalAlpha = a;
      ctx.fillStyle = cssRgba(neutral, 1);
      ctx.fillRect(x, y, s, s);
      if (oldMaps && phase !== "update") drawTile(ctx, oldMaps, col.k, nd.j, x, y, s);
      else if (oldMaps) {
        drawTile(ctx, oldMaps, col.k, nd.j, x, y, s);
        ctx.globalAlpha = a * t;
        drawTile(ctx, now, col.k, nd.j, x, y, s);
        ctx.globalAlpha = a;
      } else drawTile(ctx, now, col.k, nd.j, x, y, s);
      traceTile(ctx, col.k, nd.j, model, oldMaps && phase !== "update" ? anim.beforeMaps : maps, x, y, s, theme, big);
      const sel = opts.selected && opts.selected.layer === col.k && opts.selected.j === nd.j;
      ctx.strokeStyle = sel ? theme.text : frameCol;
      ctx.lineWidth = sel ? 2.5 : 1;
      ctx.strokeRect(x - 0.5, y - 0.5, s + 1, s + 1);
      const mark = neuronMark(src, col.k, nd.j);
      if (mark) drawMark(ctx, mark, x, y, s, theme, font);
      if (showBars && g) {
        const bx = x - col.barW - 2;
        const v = Math.abs(g[nd.j]), share = gl > 0 ? Math.min(1, v / gl) : v > 0 ? 1 : 0;
        ctx.globalAlpha = a * (phase === "backward" ? back(col.k) : 1);
        ctx.fillStyle = cssRgba(neutral, 1);
        ctx.fillRect(bx, y, col.barW, s);
        ctx.fillStyle = cssRgba(magnitude(Math.max(share, 0.35), 1, { dark: theme.dark }), 1);
        ctx.fillRect(bx, y + s * (1 - share), col.barW, s * share);
        ctx.strokeStyle = frameCol;
        ctx.lineWidth = 1;
        ctx.strokeRect(bx - 0.5, y - 0.5, col.barW + 1, s + 1);
      }
    }
  }
  ctx.globalAlpha = 1;

  // Text: column labels, input names, output tags, "+N more" and the bars' scale.
  ctx.fillStyle = theme.text;
  ctx.textBaseline = "top";
  for (const col of columns) {
    const lb = col.label;
    ctx.font = `${Math.round(lb.fontPx)}px ${font}`;
    ctx.textAlign = "center";
    lb.lines.forEach((line, i) => ctx.fillText(line, lb.x, lb.y + i * lb.lineH));
  }
  ctx.textBaseline = "middle";
  const cls = theme.classRgb || [];
  for (const col of columns) {
    ctx.font = `${geom.smallPx}px ${font}`;
    for (const tg of col.tags) {
      ctx.textAlign = tg.align;
      const out = col.k > 0 && cls.length && model.layers[col.k - 1].n > 1;
      // Class colours as text: lightened on a dark page, where blue #0072B2 is hard to read.
      ctx.fillStyle = out ? cssRgba(mixRgb(cls[tg.j % cls.length], [255, 255, 255], theme.dark ? 0.4 : 0), 1) : theme.text;
      ctx.fillText(tg.text, tg.x, tg.y);
    }
    ctx.fillStyle = theme.text;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    if (col.more) ctx.fillText(col.more.text, col.more.x, col.more.y + 0.1 * geom.smallPx);
    for (const line of [col.hidden, phase === "done" ? col.footer : null]) {
      if (!line) continue;
      ctx.font = `${line.px}px ${font}`;
      ctx.fillText(line.text, line.x, line.y);
    }
    ctx.textBaseline = "middle";
  }

  // Legend.
  const lg = geom.legend;
  ctx.font = `${lg.fontPx}px ${font}`;
  ctx.textAlign = "left";
  lg.lines.forEach((line, r) => {
    const cy = lg.y + r * lg.lineH + lg.lineH / 2;
    for (const it of line) {
      if (it.kind === "text") { ctx.fillStyle = theme.text; ctx.fillText(it.text, it.x, cy); }
      else if (it.kind === "swatch") { ctx.fillStyle = cssRgba(it.rgb, 1); ctx.fillRect(it.x, cy - it.w * 0.22, it.w, it.w * 0.44); }
      else if (it.kind === "dead" || it.kind === "saturated") {
        ctx.fillStyle = cssRgba(neutral, 1);
        ctx.fillRect(it.x, cy - it.w / 2, it.w, it.w);
        drawMark(ctx, it.kind, it.x, cy - it.w / 2, it.w, theme, font);
        ctx.font = `${lg.fontPx}px ${font}`;
        ctx.textAlign = "left";
      } else {
        ctx.fillStyle = cssRgba(magnitude(1, 1, { dark: theme.dark }), 1);
        ctx.fillRect(it.x, cy - lg.fontPx * 0.1, it.w - 2, lg.fontPx * 0.6);
        ctx.fillStyle = frameCol;
        ctx.fillRect(it.x, cy - lg.fontPx * 0.5, it.w - 2, lg.fontPx * 0.4);
      }
    }
  });
}

// ---------------------------------------------------------------- the neuron detail

export function layoutDetail(box, model, frame, sel, opts = {}) {
  const { w, h } = box;
  const F = opts.fontPx || (opts.big ? 17 : 12);
  const pad = 6, lineH = Math.round(F * 1.4);
  const k = sel.layer, j = sel.j, L = model.layers.length;
  const layer = k > 0 ? model.layers[k - 1] : null;
  let title;
  if (k === 0) title = `input ${model.inputs[j]}`;
  else title = `${layer.name} · neuron ${j} · ${layer.activation}${k === L ? ` (${outputTag(model, j)})` : ""}`;
  const cb = Math.round(F * 1.8);
  const close = { x: w - pad - cb, y: pad, w: cb, h: cb };
  const top = pad + Math.max(cb, lineH) + 4;
  const side = w >= h * 1.25;
  const scaleH = Math.round(F * 2.2);
  let map, tx, ty, tw;
  if (side) {
    const s = Math.max(20, Math.min(h - top - pad - scaleH, w * 0.45));
    map = { x: pad, y: top, s };
    tx = pad + s + F * 1.2; ty = top; tw = w - tx - pad;
  } else {
    const s = Math.max(20, Math.min(w - 2 * pad, (h - top) * 0.36));
    map = { x: (w - s) / 2, y: top, s };
    tx = pad; ty = top + s + scaleH + 4; tw = w - 2 * pad;
  }
  const scale = { x: map.x, y: map.y + map.s + 4, w: map.s, h: Math.round(F * 0.6) };
  const rows = [];
  const fl = k > 0 && frame && frame.layers ? frame.layers[k - 1] : null;
  const fmt = (a, i) => (a && i < a.length ? formatValue(a[i]) : "–");
  let y = ty;
  const avail = Math.floor((h - pad - ty) / lineH);
  if (k > 0) {
    const nIn = layer.n_in, n = layer.n;
    const W = layerArray(fl, "W", nIn * n), dW = layerArray(fl, "dW", nIn * n);
    const from = (i) => (k === 1 ? model.inputs[i] : `#${i}`);
    const order = Array.from({ length: nIn }, (_, i) => i);
    if (W) order.sort((a, b) => Math.abs(W[b * n + j]) - Math.abs(W[a * n + j]) || a - b);
    const mark = neuronMark(frame, k, j);
    const markLines = mark ? wrapWords(markText(mark, frame), tw, F) : [];
    const stats = 4 + markLines.length;
    for (const line of markLines) { rows.push({ kind: "mark", cells: [line, "", ""], y }); y += lineH; }
    let nRows = Math.max(0, Math.min(10, nIn, avail - 1 - stats));
    if (nRows < nIn) nRows = Math.max(0, Math.min(nRows, avail - 2 - stats));
    rows.push({ kind: "head", cells: [k === 1 ? "from" : `from ${model.layers[k - 2].name}`, "w", "dL/dw"], y }); y += lineH;
    for (let r = 0; r < nRows; r++) {
      const i = order[r];
      rows.push({ kind: "edge", cells: [from(i), fmt(W, i * n + j), fmt(dW, i * n + j)], y, i, v: W ? W[i * n + j] : 0 });
      y += lineH;
    }
    if (nRows < nIn) { rows.push({ kind: "more", cells: [`+${nIn - nRows} more`, "", ""], y }); y += lineH; }
    rows.push({ kind: "stat", cells: ["bias b", fmt(layerArray(fl, "b", n), j), fmt(layerArray(fl, "db", n), j)], y }); y += lineH;
    rows.push({ kind: "stat", cells: ["mean |a|", fmt(layerArray(fl, "activity", n), j), ""], y }); y += lineH;
    rows.push({ kind: "stat", cells: [k === L ? "‖dL/dz‖" : "‖dL/da‖", fmt(layerArray(fl, "grad", n), j), ""], y }); y += lineH;
  } else {
    const what = model.inputs.length === 1 ? "the fitted curve's x, left to right"
      : j < 2 ? `the plotted plane's ${j === 0 ? "horizontal" : "vertical"} coordinate` : "computed from (x1, x2) at each point";
    rows.push({ kind: "stat", cells: [`${model.inputs[j]}: ${what}`, "", ""], y });
  }
  const colX = [tx, tx + tw * 0.62, tx + tw]; // label left; the two values right-aligned
  return { title, close, map, scale, rows, colX, lineH, fontPx: F, pad, tw };
}

export function detailHit(box, model, frame, sel, x, y, opts = {}) {
  const g = layoutDetail(box, model, frame, sel, opts);
  const c = g.close;
  if (x >= c.x - 4 && x <= c.x + c.w + 4 && y >= c.y - 4 && y <= c.y + c.h + 4) return { kind: "close" };
  for (const r of g.rows) {
    if (r.kind === "edge" && y >= r.y && y < r.y + g.lineH && x >= g.colX[0] && x <= g.colX[2]) {
      return { kind: "edge", layer: model.layers[sel.layer - 1].name, k: sel.layer, i: r.i, j: sel.j };
    }
  }
  return null;
}

export function drawNeuronDetail(ctx, box, model, frame, maps, theme, sel, opts = {}) {
  const g = layoutDetail(box, model, frame, sel, opts);
  const font = theme.font || "sans-serif", F = g.fontPx;
  const cache = opts.cache || createNetCache();
  ctx.clearRect(0, 0, box.w, box.h);
  ctx.fillStyle = theme.text;
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.font = `600 ${F}px ${font}`;
  ctx.fillText(g.title, g.pad, g.pad + 2, g.close.x - g.pad * 2);
  // close: a "×" in a ringed square, the whole square hit-testable
  const c = g.close;
  ctx.strokeStyle = theme.text;
  ctx.lineWidth = 1;
  ctx.strokeRect(c.x + 0.5, c.y + 0.5, c.w - 1, c.h - 1);
  ctx.lineWidth = Math.max(1.5, F * 0.13);
  const q = c.w * 0.3;
  ctx.beginPath();
  ctx.moveTo(c.x + q, c.y + q); ctx.lineTo(c.x + c.w - q, c.y + c.h - q);
  ctx.moveTo(c.x + c.w - q, c.y + q); ctx.lineTo(c.x + q, c.y + c.h - q);
  ctx.stroke();

  // The map, large, and its colour scale.
  const m = g.map;
  const neutral = theme.dark ? NEUTRAL_DARK : NEUTRAL_LIGHT;
  ctx.fillStyle = cssRgba(neutral, 1);
  ctx.fillRect(m.x, m.y, m.s, m.s);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  drawTile(ctx, mapAtlas(cache, maps, [[sel.layer, sel.j]], model, theme), sel.layer, sel.j, m.x, m.y, m.s);
  traceTile(ctx, sel.layer, sel.j, model, maps, m.x, m.y, m.s, theme, true);
  ctx.strokeStyle = theme.axis;
  ctx.strokeRect(m.x - 0.5, m.y - 0.5, m.s + 1, m.s + 1);
  const mark = neuronMark(frame, sel.layer, sel.j);
  if (mark) drawMark(ctx, mark, m.x, m.y, m.s, theme, font);
  const L = model.layers.length, isOut = sel.layer === L && sel.layer > 0 && probabilityOutput(model);
  const sc = g.scale;
  let lim = 1, lo = "0", mid = "", hi = "1";
  if (!isOut) {
    const src = sel.layer === 0 ? maps && maps.inputs && maps.inputs[sel.j] : maps && maps.layers && maps.layers[sel.layer - 1];
    const sn = sel.layer === 0 ? 1 : model.layers[sel.layer - 1].n;
    lim = src ? gridMaxAbs(src, maps.w * maps.h, sn, sel.j) : NaN;
    lo = formatValue(-lim); mid = "0"; hi = formatValue(lim);
  }
  const luts = tileLuts(theme);
  const lut = !isOut ? luts.diverging : model.layers[L - 1].n === 1 ? luts.sigmoid : luts.classes[sel.j % luts.classes.length];
  for (let x = 0; x < sc.w; x++) {
    const word = lut[Math.round((x / Math.max(1, sc.w - 1)) * 2 * LUT_STEPS)];
    ctx.fillStyle = cssRgba([word & 255, (word >> 8) & 255, (word >> 16) & 255], 1);
    ctx.fillRect(sc.x + x, sc.y, 1.5, sc.h);
  }
  ctx.font = `${smallText(F)}px ${font}`;
  ctx.fillStyle = theme.text;
  ctx.textAlign = "left"; ctx.fillText(isOut ? "p = 0" : lo, sc.x, sc.y + sc.h + 2);
  ctx.textAlign = "center"; if (mid) ctx.fillText(mid, sc.x + sc.w / 2, sc.y + sc.h + 2);
  ctx.textAlign = "right"; ctx.fillText(hi, sc.x + sc.w, sc.y + sc.h + 2);

  // The table.
  ctx.font = `${F}px ${font}`;
  const [x0, x1, x2] = g.colX;
  const wmax = Math.max(1e-300, ...g.rows.filter((r) => r.kind === "edge").map((r) => Math.abs(r.v)));
  for (const r of g.rows) {
    ctx.font = `${r.kind === "head" || r.kind === "mark" ? "600 " : ""}${F}px ${font}`;
    ctx.fillStyle = theme.text;
    ctx.textAlign = "left";
    const labelW = r.kind === "edge" ? x1 - x0 - F * 6 : r.cells[1] ? x1 - x0 - F * 3.5 : g.tw;
    ctx.fillText(r.cells[0], x0, r.y, Math.max(10, labelW));
    ctx.textAlign = "right";
    if (r.cells[1]) ctx.fillText(r.cells[1], x1, r.y);
    if (r.cells[2]) ctx.fillText(r.cells[2], x2, r.y);
    if (r.kind === "edge" && r.v === r.v && r.v !== 0) { // a bar by |w|, in the sign's colour
      const bw = F * 1.2 * Math.min(1, Math.abs(r.v) / wmax);
      ctx.fillStyle = cssRgba(r.v < 0 ? NEGATIVE_RGB : POSITIVE_RGB, 1);
      ctx.fillRect(x1 - F * 4.5 - bw, r.y + F * 0.25, bw, F * 0.6);
    }
  }
}
