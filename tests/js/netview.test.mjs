// Unit tests of the network view (ui/live/netview.js): which neurons show, the layout's geometry, hit
// testing, the step's phases, the detail panel and the maps' pixels. Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_SHOWN, createNetCache, detailHit, drawNetwork, drawNeuronDetail, edgePoint, hitTest, layoutDetail, layoutNetwork,
  neuronMark, phaseAt, selectNeurons,
} from "../../ui/live/netview.js";
import { makeFrame, makeMaps, makeModel } from "./netfixture.mjs";

const SIZES = { projector: [560, 440, true], laptop: [600, 420, false], phone: [366, 380, false] };
// A first size above 2: x1, x2 and that many input features (7: all five, the tallest input column); a first
// size of 1: a regression network (x1 alone, a linear output).
const NETS = [[2, 16, 3], [2, 64, 3], [2, 128, 128, 3], [2, 8, 1], [2, 5, 4, 3, 2], [7, 16, 3], [7, 1], [4, 8, 8, 2],
  [7, 128, 128, 3], [1, 64, 64, 1]];

// ---------------------------------------------------------------- selectNeurons

test("selectNeurons: all when few, else the largest |v| in index order, ties to the lower index", () => {
  assert.deepEqual(selectNeurons([3, 1, 2], 16), [0, 1, 2]);
  assert.deepEqual(selectNeurons([], 16), []);
  assert.deepEqual(selectNeurons([0.1, -5, 2, 0, -3, 1], 3), [1, 2, 4]);
  assert.deepEqual(selectNeurons([1, 1, 1, 1, 1], 2), [0, 1]);
  assert.deepEqual(selectNeurons([NaN, 0, NaN, 0.5], 2), [1, 3]); // NaN ranks below 0
  assert.deepEqual(selectNeurons([Infinity, 1, 2], 1), [0]);
  const v = Float64Array.from({ length: 128 }, (_, i) => ((i * 37) % 128) / 128); // a permutation of k/128
  const top = selectNeurons(v, 16);
  assert.equal(top.length, 16);
  assert.deepEqual(top, [...top].sort((a, b) => a - b));
  for (const i of top) assert.ok(v[i] >= 112 / 128); // the 16 largest are 112/128 .. 127/128
});

test("selectNeurons: keeps the previous members unless an outsider beats the weakest by the margin", () => {
  const v = [10, 9, 8, 1, 1.4, 0];
  assert.deepEqual(selectNeurons(v, 4), [0, 1, 2, 4]);
  // 3 (|1|) stays against 4 (|1.4|): 1.4 is not 1.5 times 1.
  assert.deepEqual(selectNeurons(v, 4, [0, 1, 2, 3]), [0, 1, 2, 3]);
  // Against a member at 0.95: 1.4 > 1.5 * 0.95 = 1.425 is false too; at 0.9 (1.35) and 0.5 it is true.
  assert.deepEqual(selectNeurons([10, 9, 8, 0.95, 1.4, 0], 4, [0, 1, 2, 3]), [0, 1, 2, 3]);
  assert.deepEqual(selectNeurons([10, 9, 8, 0.9, 1.4, 0], 4, [0, 1, 2, 3]), [0, 1, 2, 4]);
  assert.deepEqual(selectNeurons([10, 9, 8, 0.5, 1.4, 0], 4, [0, 1, 2, 3]), [0, 1, 2, 4]);
  // Two newcomers each beating the weakest by far replace two members.
  assert.deepEqual(selectNeurons([0, 0, 5, 6, 7, 8], 4, [0, 1, 2, 3]), [2, 3, 4, 5]);
  // A previous selection of the wrong size or with bad indices is ignored.
  assert.deepEqual(selectNeurons(v, 4, [0, 1]), [0, 1, 2, 4]);
  assert.deepEqual(selectNeurons(v, 4, [0, 1, 2, 99]), [0, 1, 2, 4]);
  assert.deepEqual(selectNeurons(v, 4, [0, 1, 1, 2]), [0, 1, 2, 4]);
});

// ---------------------------------------------------------------- layoutNetwork

function rects(geom) {
  const out = [];
  for (const col of geom.columns) {
    for (const nd of col.nodes) {
      out.push({ what: `map ${col.k}:${nd.j}`, x0: nd.x - col.size / 2 - (col.barW ? col.barW + 2 : 0), x1: nd.x + col.size / 2,
        y0: nd.y - col.size / 2, y1: nd.y + col.size / 2 });
    }
  }
  return out;
}

function textBoxes(geom, measure) {
  const out = [];
  for (const col of geom.columns) {
    const lb = col.label;
    out.push({ what: `label ${col.k}`, x0: lb.x - lb.width / 2, x1: lb.x + lb.width / 2, y0: lb.y, y1: lb.y + lb.lines.length * lb.lineH });
    for (const tg of col.tags) {
      const tw = measure(tg.text, geom.smallPx);
      out.push({ what: `tag ${tg.text}`, x0: tg.align === "right" ? tg.x - tw : tg.x, x1: tg.align === "right" ? tg.x : tg.x + tw,
        y0: tg.y - geom.smallPx / 2, y1: tg.y + geom.smallPx / 2 });
    }
    if (col.more) out.push({ what: "more", x0: col.more.x - col.more.w / 2, x1: col.more.x + col.more.w / 2, y0: col.more.y, y1: col.more.y + col.more.h });
    if (col.hidden) {
      const tw = measure(col.hidden.text, col.hidden.px);
      out.push({ what: "hidden", x0: col.hidden.x - tw / 2, x1: col.hidden.x + tw / 2, y0: col.hidden.y, y1: col.hidden.y + col.hidden.px });
    }
    if (col.footer) {
      const tw = measure(col.footer.text, col.footer.px);
      out.push({ what: "footer", x0: col.footer.x - tw / 2, x1: col.footer.x + tw / 2, y0: col.footer.y, y1: col.footer.y + col.footer.px });
    }
  }
  const lg = geom.legend;
  lg.lines.forEach((line, r) => {
    for (const it of line) out.push({ what: `legend ${it.text || it.kind}`, x0: it.x, x1: it.x + it.w, y0: lg.y + r * lg.lineH, y1: lg.y + (r + 1) * lg.lineH });
  });
  return out;
}

// Every map, label and line of `geom` inside the w x h box, and no two overlapping.
function assertLaidOut(geom, w, h, where) {
  const boxes = [...rects(geom), ...textBoxes(geom, measure)];
  for (const b of boxes) assert.ok(b.x0 >= 0 && b.x1 <= w && b.y0 >= 0 && b.y1 <= h, `${where}: ${b.what} outside ${JSON.stringify(b)}`);
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      assert.ok(!overlap(boxes[a], boxes[b]), `${where}: ${boxes[a].what} overlaps ${boxes[b].what}`);
    }
  }
}

const overlap = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const measure = (text, px) => 0.56 * px * text.length;

test("layoutNetwork: everything inside the box, nothing overlapping, at the three sizes", () => {
  for (const sizes of NETS) {
    const model = makeModel(sizes), frame = makeFrame(model);
    for (const [name, [w, h, big]] of Object.entries(SIZES)) {
      for (const mode of ["weights", "gradients"]) {
        const where = `${sizes.join("-")} ${name} ${mode}`;
        const geom = layoutNetwork(model, { w, h }, { mode, frame, big, measure });
        assertLaidOut(geom, w, h, where);
        for (const col of geom.columns) assert.ok(col.size >= 12, `${where}: maps of column ${col.k} are ${col.size} px`);
        // Text a phone can read: 11 px at least (the legend, tags, "+N more", labels); a line under a column
        // may take 10 px rather than be left out.
        assert.ok(geom.smallPx >= 11 && geom.legend.fontPx >= 11, where);
        for (const col of geom.columns) {
          assert.ok(col.label.fontPx >= 11, `${where}: label of column ${col.k} at ${col.label.fontPx} px`);
          for (const line of [col.hidden, col.footer]) if (line) assert.ok(line.px >= 10, `${where}: ${line.text}`);
        }
      }
    }
  }
});

test("layoutNetwork: 16 of a 128-wide layer, '+112 more', labels, edges between shown neurons only", () => {
  const model = makeModel([2, 128, 128, 3]), frame = makeFrame(model);
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame, measure });
  assert.deepEqual(geom.columns.map((c) => c.nodes.length), [2, 16, 16, 3]);
  assert.deepEqual(geom.columns.map((c) => c.more && c.more.text), [null, "+112 more", "+112 more", null]);
  assert.deepEqual(geom.columns.map((c) => c.label.lines.join(" / ")),
    ["inputs", "dense1 · 128 relu", "dense2 · 128 relu", "output · softmax"]);
  assert.equal(geom.edges.length, 2 * 16 + 16 * 16 + 16 * 3);
  for (const e of geom.edges) {
    const a = geom.columns[e.k - 1], b = geom.columns[e.k];
    assert.ok(a.shown.includes(e.i) && b.shown.includes(e.j));
    assert.equal(e.name, `dense${e.k}`);
    assert.equal(e.x0, a.x + a.size / 2); // from the source map's right side to the target's left
    assert.equal(e.x1, b.x - b.size / 2);
  }
  assert.deepEqual(geom.selection, geom.columns.map((c) => c.shown));
  // The phone's narrow columns take two-line labels.
  const phone = layoutNetwork(model, { w: 370, h: 360 }, { frame, measure });
  assert.deepEqual(phone.columns[1].label.lines, ["dense1", "128 relu"]);
  // A sigmoid output is one neuron, tagged with what it is.
  const sig = layoutNetwork(makeModel([2, 8, 1]), { w: 600, h: 420 }, { measure });
  assert.deepEqual(sig.columns[2].tags.map((t) => t.text), ["P(class 1)"]);
  assert.deepEqual(sig.columns[2].label.lines, ["output · sigmoid"]);
});

test("layoutNetwork: every input feature shows, as a map tagged with its label, at every size", () => {
  const model = makeModel([7, 16, 3]), frame = makeFrame(model);
  for (const [name, [w, h, big]] of Object.entries(SIZES)) {
    const geom = layoutNetwork(model, { w, h }, { frame, big, measure });
    const inputs = geom.columns[0];
    assert.deepEqual(inputs.tags.map((t) => t.text), ["x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2"], name);
    assert.equal(inputs.more, null, name);
    assert.equal(geom.edges.filter((e) => e.k === 1).length, 7 * 16, name);
    assert.ok(inputs.size >= 16, `${name}: input maps are ${inputs.size} px`);
  }
  const detail = layoutDetail({ w: 400, h: 300 }, model, frame, { layer: 0, j: 5 }, { measure });
  assert.equal(detail.title, "input sin x1");
  assert.equal(detail.rows[0].cells[0], "sin x1: computed from (x1, x2) at each point");
  const neuron = layoutDetail({ w: 400, h: 300 }, model, frame, { layer: 1, j: 0 }, { measure });
  assert.ok(neuron.rows.filter((r) => r.kind === "edge").every((r) => model.inputs.includes(r.cells[0])));
});

test("layoutNetwork: map sizes, ~20 px at 16 neurons in 420 px, bigger but capped for 3", () => {
  const model = makeModel([2, 64, 3]);
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame: makeFrame(model), measure });
  const [inp, hid, out] = geom.columns.map((c) => c.size);
  assert.ok(hid >= 16 && hid <= 24, `hidden ${hid}`);
  assert.ok(out > 3 * hid && out <= 90, `output ${out}`);
  assert.equal(inp, out);
  // Centres in a column are evenly spaced, top to bottom.
  const ys = geom.columns[1].nodes.map((n) => n.y);
  for (let i = 2; i < ys.length; i++) assert.ok(Math.abs(ys[i] - ys[i - 1] - (ys[1] - ys[0])) < 1e-9);
});

test("layoutNetwork: the switch says which neurons show (|activity| or |grad|); previous ones stay", () => {
  const model = makeModel([2, 64, 3]), frame = makeFrame(model);
  const act = new Float64Array(64), grad = new Float64Array(64);
  for (let j = 0; j < 64; j++) { act[j] = j < 16 ? 1 + j : 0.01; grad[j] = j >= 48 ? 1 + j : 0.01; }
  frame.layers[0].activity = act;
  frame.layers[0].grad = grad;
  const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
  assert.deepEqual(layoutNetwork(model, { w: 600, h: 420 }, { frame }).columns[1].shown, range(0, 16));
  assert.deepEqual(layoutNetwork(model, { w: 600, h: 420 }, { frame, mode: "gradients" }).columns[1].shown, range(48, 64));
  const previousSelection = [null, range(1, 17), null];
  act[16] = 1.2; // 16 was outside; now it beats the weakest member (0, at 1) but not by 1.5 times
  assert.deepEqual(layoutNetwork(model, { w: 600, h: 420 }, { frame, previousSelection }).columns[1].shown, range(1, 17));
  // No frame yet: the first 16.
  assert.deepEqual(layoutNetwork(model, { w: 600, h: 420 }, {}).columns[1].shown, range(0, 16));
});

// ---------------------------------------------------------------- hitTest

test("edgePoint: a point on the edge that a click a pixel off still picks (never where two edges cross)", () => {
  const model = makeModel([2, 16, 3]);
  const geom = layoutNetwork(model, { w: 390, h: 524 }, { frame: makeFrame(model), measure });
  let checked = 0;
  for (const e of geom.edges.filter((E) => E.k === 1)) {
    const p = edgePoint(geom, e);
    const len = Math.hypot(e.x1 - e.x0, e.y1 - e.y0);
    // On the edge, between its ends.
    assert.ok(Math.abs((p.x - e.x0) * (e.y1 - e.y0) - (p.y - e.y0) * (e.x1 - e.x0)) / len < 1e-6);
    for (const [dx, dy] of [[0, 0], [0.7, 0], [-0.7, 0], [0, 0.7], [0, -0.7]]) {
      const hit = hitTest(geom, p.x + dx, p.y + dy);
      if (hit.kind !== "edge") continue; // inside a map: the neurons come first
      assert.deepEqual([hit.i, hit.j], [e.i, e.j], `edge ${e.i}->${e.j} at +(${dx}, ${dy})`);
      checked++;
    }
  }
  assert.ok(checked >= 150, checked);
});

test("hitTest: neurons first, then '+N more', then the nearest edge within a few px", () => {
  const model = makeModel([2, 64, 3]);
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame: makeFrame(model), measure });
  const hid = geom.columns[1], nd = hid.nodes[3];
  assert.deepEqual(hitTest(geom, nd.x + hid.size / 2 - 1, nd.y - hid.size / 2 + 1), { kind: "neuron", layer: 1, j: nd.j });
  const o = geom.columns[2].nodes[1];
  assert.deepEqual(hitTest(geom, o.x, o.y), { kind: "neuron", layer: 2, j: 1 });
  assert.deepEqual(hitTest(geom, geom.columns[0].nodes[0].x, geom.columns[0].nodes[0].y), { kind: "neuron", layer: 0, j: 0 });
  const m = hid.more;
  assert.deepEqual(hitTest(geom, m.x, m.y + m.h / 2), { kind: "more", layer: 1 });
  // An edge's midpoint, and a point 3 px off it: that edge; one where two edges cross is the nearer's.
  const e = geom.edges.find((E) => E.k === 2 && E.i === hid.nodes[0].j && E.j === 2);
  const mx = (e.x0 + e.x1) / 2, my = (e.y0 + e.y1) / 2;
  const expect = { kind: "edge", layer: "dense2", k: 2, i: e.i, j: 2 };
  assert.deepEqual(hitTest(geom, mx, my), expect);
  const len = Math.hypot(e.x1 - e.x0, e.y1 - e.y0), nx = -(e.y1 - e.y0) / len, ny = (e.x1 - e.x0) / len;
  // 3 px along the normal stays nearest this edge unless another is closer: check against brute force.
  const px = mx + 3 * nx, py = my + 3 * ny;
  const d = (E) => {
    const dx = E.x1 - E.x0, dy = E.y1 - E.y0, t = Math.max(0, Math.min(1, ((px - E.x0) * dx + (py - E.y0) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(E.x0 + t * dx - px, E.y0 + t * dy - py);
  };
  const nearest = geom.edges.reduce((a, b) => (d(b) < d(a) ? b : a));
  assert.deepEqual(hitTest(geom, px, py), { kind: "edge", layer: nearest.name, k: nearest.k, i: nearest.i, j: nearest.j });
  // Edge endpoints sit on map sides: the neuron wins there.
  assert.equal(hitTest(geom, e.x1, e.y1).kind, "neuron");
  assert.equal(hitTest(geom, 599, 2), null);
  assert.equal(hitTest(null, 1, 1), null);
});

// ---------------------------------------------------------------- phases

test("phaseAt: forward, backward, update, then done; durations scale; zero skips", () => {
  assert.deepEqual(phaseAt(0), { phase: "forward", t: 0 });
  assert.deepEqual(phaseAt(-5), { phase: "forward", t: 0 });
  assert.deepEqual(phaseAt(175), { phase: "forward", t: 0.5 });
  assert.deepEqual(phaseAt(350), { phase: "backward", t: 0 });
  assert.deepEqual(phaseAt(630), { phase: "backward", t: 0.8 });
  assert.deepEqual(phaseAt(700), { phase: "update", t: 0 });
  assert.deepEqual(phaseAt(925), { phase: "update", t: 0.75 });
  assert.deepEqual(phaseAt(1000), { phase: "done", t: 1 });
  assert.deepEqual(phaseAt(1e9), { phase: "done", t: 1 });
  assert.deepEqual(phaseAt(NaN), { phase: "done", t: 1 });
  assert.deepEqual(phaseAt(1500, { forward: 1000, backward: 1000, update: 1000 }), { phase: "backward", t: 0.5 });
  assert.deepEqual(phaseAt(100, { forward: 0, backward: 0 }), { phase: "update", t: 1 / 3 });
  assert.deepEqual(phaseAt(0, { forward: 0, backward: 0, update: 0 }), { phase: "done", t: 1 });
});

// ---------------------------------------------------------------- the detail panel

test("layoutDetail / detailHit: largest |w| first, at most 10 rows and '+N more', the close box", () => {
  const model = makeModel([2, 64, 3]), frame = makeFrame(model);
  const sel = { layer: 2, j: 1 };
  const g = layoutDetail({ w: 600, h: 420 }, model, frame, sel);
  assert.equal(g.title, "dense2 · neuron 1 · softmax (class 1)");
  const rows = g.rows.filter((r) => r.kind === "edge");
  assert.equal(rows.length, 10);
  assert.deepEqual(g.rows.find((r) => r.kind === "more").cells[0], "+54 more");
  const W = frame.layers[1].W, byMag = Array.from({ length: 64 }, (_, i) => i).sort((a, b) => Math.abs(W[b * 3 + 1]) - Math.abs(W[a * 3 + 1]));
  assert.deepEqual(rows.map((r) => r.i), byMag.slice(0, 10));
  assert.deepEqual(g.rows[0].cells, ["from dense1", "w", "dL/dw"]);
  assert.deepEqual(g.rows.filter((r) => r.kind === "stat").map((r) => r.cells[0]), ["bias b", "mean |a|", "‖dL/dz‖"]);
  const c = g.close;
  assert.ok(c.x + c.w <= 600 && c.y >= 0);
  assert.deepEqual(detailHit({ w: 600, h: 420 }, model, frame, sel, c.x + c.w / 2, c.y + c.h / 2), { kind: "close" });
  const r3 = rows[3];
  assert.deepEqual(detailHit({ w: 600, h: 420 }, model, frame, sel, g.colX[0] + 5, r3.y + g.lineH / 2),
    { kind: "edge", layer: "dense2", k: 2, i: r3.i, j: 1 });
  assert.equal(detailHit({ w: 600, h: 420 }, model, frame, sel, g.map.x + 5, g.map.y + 5), null);
  // A 2-input neuron lists both weights, no "+N more"; the phone stacks map over table and still fits.
  const small = layoutDetail({ w: 370, h: 360 }, model, frame, { layer: 1, j: 5 });
  assert.deepEqual(small.rows.filter((r) => r.kind === "edge").map((r) => r.cells[0]).sort(), ["x1", "x2"]);
  assert.ok(!small.rows.some((r) => r.kind === "more"));
  for (const r of small.rows) assert.ok(r.y + small.lineH <= 360, `row ${r.cells[0]} at ${r.y}`);
  const phone = layoutDetail({ w: 370, h: 360 }, makeModel([2, 128, 128, 3]), null, { layer: 2, j: 3 });
  for (const r of phone.rows) assert.ok(r.y + phone.lineH <= 360);
  assert.ok(phone.rows.some((r) => r.kind === "more"));
});

// ---------------------------------------------------------------- drawing, with a recording context

// A 2D context that accepts every call, records fills of the offscreen maps and never draws.
// `styles` collects every colour set; `strokes` the stroke colour and width of each stroke(); `texts`
// every fillText's text; `dashes` every setLineDash's pattern.
function fakeCanvas() {
  const puts = [], styles = [], strokes = [], texts = [], dashes = [], lines = [];
  const state = {};
  const ctx = new Proxy({ puts, styles, strokes, texts, dashes, lines }, {
    get(o, k) {
      if (k in o) return o[k];
      if (k in state) return state[k];
      if (k === "fillText") return (text) => texts.push(text);
      if (k === "setLineDash") return (d) => dashes.push([...d]);
      if (k === "createImageData") return (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) });
      if (k === "putImageData") return (img) => puts.push(img);
      if (k === "stroke") return () => strokes.push([state.strokeStyle, state.lineWidth]);
      if (k === "lineTo") return (x, y) => lines.push([x, y]);
      return () => {};
    },
    set(o, k, v) {
      state[k] = v;
      if (k === "fillStyle" || k === "strokeStyle") styles.push(v);
      return true;
    },
  });
  return { width: 0, height: 0, ctx, getContext: () => ctx };
}

const THEME = { text: "#31333F", axis: "rgba(49,51,63,0.45)", dark: false, font: "sans-serif", classRgb: [[0, 114, 178], [230, 159, 0], [0, 158, 115]] };

test("drawNetwork paints each map from the grid: x1 left to right, row 0 at the bottom, outputs by class", () => {
  const model = makeModel([2, 4, 3]), frame = makeFrame(model);
  const maps = makeMaps(model, frame, 5, 4);
  // Output neuron 0 is certain (p = 1) at every pixel: it is class 0's colour.
  for (let p = 0; p < 20; p++) { maps.layers[1][p * 3] = 1; maps.layers[1][p * 3 + 1] = 0; maps.layers[1][p * 3 + 2] = 0; }
  const cv = fakeCanvas();
  const cache = createNetCache(() => cv);
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame });
  drawNetwork(cv.ctx, geom, model, frame, maps, THEME, { cache });
  assert.equal(cv.ctx.puts.length, 1);
  const img = cv.ctx.puts[0], tw = 5 + 2;
  assert.equal(img.width, tw * (2 + 4 + 3));
  const at = (tile, col, row) => { const o = (row * img.width + tile * tw + 1 + col) * 4; return [...img.data.slice(o, o + 4)]; };
  // x1 runs -1 .. 1 left to right: vermillion at the left edge, blue at the right, neutral in the middle.
  assert.deepEqual(at(0, 0, 0), [213, 94, 0, 255]);
  assert.deepEqual(at(0, 4, 2), [0, 114, 178, 255]);
  assert.deepEqual(at(0, 2, 1), [242, 242, 242, 255]);
  assert.deepEqual(at(0, -1, 0), at(0, 0, 0)); // the padding repeats the edge pixel
  // x2 runs -1 (grid row 0) .. 1 (row 3): image row 0 (top) is blue, the bottom row vermillion.
  assert.deepEqual(at(1, 3, 0), [0, 114, 178, 255]);
  assert.deepEqual(at(1, 3, 3), [213, 94, 0, 255]);
  assert.deepEqual(at(6, 2, 2), [0, 114, 178, 255]); // output 0 at p = 1: class 0's colour
  assert.deepEqual(at(7, 2, 2), [242, 242, 242, 255]); // output 1 at p = 0: neutral
  // Drawn again with the same maps: no repaint.
  drawNetwork(cv.ctx, geom, model, frame, maps, THEME, { cache });
  assert.equal(cv.ctx.puts.length, 1);
});

test("drawNetwork / drawNeuronDetail: no frame, no maps, every phase, sigmoid, dark: no throw", () => {
  for (const sizes of [[2, 64, 3], [2, 128, 128, 3], [2, 8, 1], [1, 8, 8, 1]]) {
    const model = makeModel(sizes), frame = makeFrame(model, 3), before = makeFrame(model, 4);
    const maps = makeMaps(model, frame, 6, 6), beforeMaps = makeMaps(model, before, 6, 6);
    const cv = fakeCanvas(), cache = createNetCache(() => fakeCanvas());
    for (const mode of ["weights", "gradients"]) {
      const geom = layoutNetwork(model, { w: 370, h: 360 }, { frame, mode });
      for (const dark of [false, true]) {
        const theme = { ...THEME, dark };
        drawNetwork(cv.ctx, geom, model, null, null, theme, { cache });
        drawNetwork(cv.ctx, geom, model, { iteration: 0 }, { w: 6, h: 6 }, theme, { cache });
        for (const phase of ["forward", "backward", "update", "done"]) {
          for (const t of [0, 0.3, 1]) drawNetwork(cv.ctx, geom, model, frame, maps, theme, { cache, anim: { phase, t, before, beforeMaps }, selected: { layer: 1, j: geom.columns[1].shown[0] } });
        }
        for (let k = 0; k < geom.columns.length; k++) {
          drawNeuronDetail(cv.ctx, { w: 370, h: 360 }, model, frame, maps, theme, { layer: k, j: 0 }, { cache });
          drawNeuronDetail(cv.ctx, { w: 370, h: 360 }, model, null, null, theme, { layer: k, j: 0 }, { cache });
        }
      }
    }
    assert.ok(cache.atlases.length <= 2);
  }
  assert.equal(MAX_SHOWN, 16);
});

test("drawNetwork: valid CSS colours; edges in the sign colours, wider for larger |w|", () => {
  const model = makeModel([2, 3, 2]), frame = makeFrame(model);
  // dense1: one weight at the limit (blue), one at -limit (vermillion), one tiny; the rest 0 (not drawn).
  frame.layers[0].W = Float64Array.from([1, -1, 0.01, 0, 0, 0]);
  const cv = fakeCanvas(), cache = createNetCache(() => fakeCanvas());
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame });
  drawNetwork(cv.ctx, geom, model, frame, makeMaps(model, frame, 4, 4), THEME, { cache });
  drawNeuronDetail(cv.ctx, { w: 600, h: 420 }, model, frame, makeMaps(model, frame, 4, 4), THEME, { layer: 1, j: 0 }, { cache });
  const css = /^(#[0-9a-f]{3,8}|rgba?\(\d+(\.\d+)?,\d+(\.\d+)?,\d+(\.\d+)?(,[\d.e-]+)?\))$/i;
  for (const st of cv.ctx.styles) assert.match(String(st), css);
  const dense1 = cv.ctx.strokes.slice(0, 3); // the first layer's edges come first, faintest first
  assert.deepEqual(dense1.map(([c]) => c.split(",").slice(0, 3).join(",")), ["rgba(0,114,178", "rgba(0,114,178", "rgba(213,94,0"]);
  assert.ok(dense1[0][1] < dense1[1][1] && dense1[1][1] === dense1[2][1], JSON.stringify(dense1));
});

// ---------------------------------------------------------------- dead and saturated neurons

// nncore's states (nncore.activations): 0 working, 1 dead, 2 saturated; one array per layer.
function withStates(model, frame, states, batch = 200) {
  frame.batch = batch;
  frame.layers.forEach((fl, l) => { fl.state = Float64Array.from(states[l] || new Array(model.layers[l].n).fill(0)); });
  return frame;
}

test("neuronMark: 1 dead, 2 saturated, anything else (or no states, or the inputs) unmarked", () => {
  const model = makeModel([2, 4, 3]);
  const frame = withStates(model, makeFrame(model), [[0, 1, 2, 1]]);
  assert.deepEqual([0, 1, 2, 3].map((j) => neuronMark(frame, 1, j)), [null, "dead", "saturated", "dead"]);
  assert.deepEqual([0, 1, 2].map((j) => neuronMark(frame, 2, j)), [null, null, null]);
  assert.equal(neuronMark(frame, 0, 1), null);
  assert.equal(neuronMark(frame, 1, 9), null);
  assert.equal(neuronMark(makeFrame(model), 1, 1), null);
  assert.equal(neuronMark(null, 1, 1), null);
});

test("layoutNetwork: a legend line for the marks the hidden activations allow, kept free so the maps never jump; still fits at the three sizes", () => {
  const legendKinds = (geom) => geom.legend.lines.map((line) => line.filter((it) => it.kind !== "text").map((it) => it.kind));
  const maps = (geom) => geom.columns.map((c) => [c.size, c.nodes.map((nd) => [nd.x, nd.y])]);
  const kept = [];
  for (const sizes of NETS) {
    const model = makeModel(sizes); // relu hidden layers: their neurons can die, not saturate
    // Hidden neuron 0 of the first layer dead, neuron 1 saturated (16 or fewer shown: both are).
    const states = [[1, 2]];
    for (const [name, [w, h, big]] of Object.entries(SIZES)) {
      for (const mode of ["weights", "gradients"]) {
        const where = `${sizes.join("-")} ${name} ${mode}`;
        const plain = layoutNetwork(model, { w, h }, { mode, frame: makeFrame(model), big, measure });
        assert.deepEqual(plain.marks, { dead: 0, saturated: 0 });
        // "dead" is listed before any neuron dies, unless its line would shrink the maps under 12 px.
        if (sizes.length === 2) assert.equal(plain.legendMarks.dead, 0, `${where}: no hidden layer`);
        if (plain.legendMarks.dead) kept.push(where);
        assert.equal(legendKinds(plain).flat().includes("dead"), !!plain.legendMarks.dead, where);
        assert.equal(plain.legendMarks.saturated, 0, where);
        const without = layoutNetwork(model, { w, h }, { mode, frame: makeFrame(model), big, measure, reserveMarks: false });
        assert.ok(!legendKinds(without).flat().some((k) => k === "dead" || k === "saturated"), where);
        const frame = withStates(model, makeFrame(model), states);
        const geom = layoutNetwork(model, { w, h }, { mode, frame, big, measure });
        const shown = geom.selection[1];
        const expect = { dead: shown.includes(0) ? 1 : 0, saturated: shown.includes(1) ? 1 : 0 };
        assert.deepEqual(geom.marks, expect, where);
        if (expect.dead || expect.saturated) {
          const kinds = legendKinds(geom);
          const at = kinds.findIndex((line) => line.includes("dead") || line.includes("saturated"));
          assert.ok(at > 0 && !kinds[at].some((k) => k === "swatch" || k === "bar"), `${where}: a line of its own`);
        }
        // A neuron dying moves no map where "dead" was listed already.
        if (plain.legendMarks.dead && !expect.saturated) assert.deepEqual(maps(geom), maps(plain), `${where}: the maps moved`);
        for (const g of [plain, geom]) {
          const listedAhead = g.legendMarks.dead > g.marks.dead || g.legendMarks.saturated > g.marks.saturated;
          if (listedAhead) for (const c of g.columns) assert.ok(c.size >= 12, `${where}: maps of column ${c.k} are ${c.size} px`);
          assertLaidOut(g, w, h, where);
        }
      }
    }
  }
  // The line is kept in most layouts (all but the tallest networks on a phone).
  assert.ok(kept.length >= 30, `${kept.length} layouts keep the line`);
});

test("layoutNetwork: a wide layer says under '+N more' how many of the neurons it hides are dead; the maps keep their size", () => {
  for (const sizes of [[2, 64, 3], [2, 128, 128, 3], [5, 64, 64, 1]]) {
    const model = makeModel(sizes);
    const n = model.layers[0].n;
    for (const [mark, state] of [["dead", 1], ["saturated", 2]]) {
      // The first layer: its first 13 neurons marked (a ReLU layer's can die, a tanh layer's saturate).
      const states = [Array.from({ length: n }, (_, j) => (j < 13 ? state : 0))];
      for (const [name, [w, h, big]] of Object.entries(SIZES)) {
        for (const mode of ["weights", "gradients"]) {
          const where = `${sizes.join("-")} ${mark} ${name} ${mode}`;
          const still = makeFrame(model);
          for (const key of ["activity", "grad"]) for (let j = 0; j < 13; j++) still.layers[0][key][j] = 0;
          const plain = layoutNetwork(model, { w, h }, { mode, frame: still, big, measure });
          const frame = withStates(model, makeFrame(model), states);
          // Marked neurons are the least active (a dead one is 0 on every sample): never among those shown.
          for (const key of ["activity", "grad"]) for (let j = 0; j < 13; j++) frame.layers[0][key][j] = 0;
          const geom = layoutNetwork(model, { w, h }, { mode, frame, big, measure });
          const col = geom.columns[1];
          const hidden = [...Array(n).keys()].filter((j) => j < 13 && !col.shown.includes(j)).length;
          assert.ok(hidden > 0, `${where}: the fixture hides some marked neurons`);
          assert.equal(col.hidden && col.hidden.text, `${hidden} ${mark}`, where);
          assert.ok(col.hidden.y > col.more.y, `${where}: under "+N more"`);
          assert.equal(plain.columns[1].hidden, null, `${where}: nothing said when no neuron is marked`);
          assert.equal(geom.columns[2].hidden, null, `${where}: no marks hidden in the next layer`);
          // The same maps, at the same places, with or without marks: nothing jumps while playing.
          assert.deepEqual(geom.columns.map((c) => [c.size, c.nodes.map((nd) => nd.y)]),
            plain.columns.map((c) => [c.size, c.nodes.map((nd) => nd.y)]), `${where}: the maps moved`);
          assertLaidOut(geom, w, h, where);
        }
      }
    }
  }
});

test("layoutDetail: a dead neuron says so, with the batch size, above its table, wrapped to fit", () => {
  const model = makeModel([2, 8, 3]);
  const frame = withStates(model, makeFrame(model), [[1, 2, 0, 0, 0, 0, 0, 0]], 160);
  for (const [w, h] of [[600, 420], [370, 360], [560, 440]]) {
    const dead = layoutDetail({ w, h }, model, frame, { layer: 1, j: 0 });
    const lines = dead.rows.filter((r) => r.kind === "mark");
    assert.equal(lines.map((r) => r.cells[0]).join(" "), "dead: output 0 on all 160 samples of the batch");
    assert.equal(dead.rows.indexOf(lines[lines.length - 1]) + 1, dead.rows.findIndex((r) => r.kind === "head"));
    for (const r of lines) assert.ok(measure(r.cells[0], dead.fontPx) <= dead.tw, `${w}: ${r.cells[0]}`);
    for (const r of dead.rows) assert.ok(r.y + dead.lineH <= h, `${w}: row ${r.cells[0]} at ${r.y}`);
    const sat = layoutDetail({ w, h }, model, frame, { layer: 1, j: 1 });
    assert.equal(sat.rows.filter((r) => r.kind === "mark").map((r) => r.cells[0]).join(" "),
      "saturated: slope < 1% of its max on all 160 samples of the batch");
    assert.ok(!layoutDetail({ w, h }, model, frame, { layer: 1, j: 2 }).rows.some((r) => r.kind === "mark"));
  }
});

test("drawNetwork: a dead map gets a grey wash and a dashed outline, a saturated one an 'S' badge", () => {
  const model = makeModel([2, 3, 2]);
  const cv = fakeCanvas(), cache = createNetCache(() => fakeCanvas());
  const plain = makeFrame(model);
  const geom0 = layoutNetwork(model, { w: 600, h: 420 }, { frame: plain });
  drawNetwork(cv.ctx, geom0, model, plain, makeMaps(model, plain, 4, 4), THEME, { cache });
  // No map is dashed; the legend's sample is (a ReLU network lists "dead" before a neuron dies).
  assert.equal(cv.ctx.dashes.filter((d) => d.length).length, 1);
  assert.ok(cv.ctx.texts.includes("dead = outputs 0 for every sample"));
  assert.ok(!cv.ctx.texts.includes("S"));
  const frame = withStates(model, makeFrame(model), [[1, 0, 2]]);
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame });
  cv.ctx.dashes.length = 0;
  drawNetwork(cv.ctx, geom, model, frame, makeMaps(model, frame, 4, 4), THEME, { cache });
  // Two dashed outlines (the map and the legend's sample), each followed by a reset to solid.
  assert.equal(cv.ctx.dashes.filter((d) => d.length).length, 2);
  assert.deepEqual(cv.ctx.dashes.at(-1), []);
  assert.equal(cv.ctx.texts.filter((t) => t === "S").length, 2); // the map's badge and the legend's
  assert.ok(cv.ctx.styles.includes("rgba(150,150,150,0.65)"));
  assert.ok(cv.ctx.texts.includes("dead = outputs 0 for every sample") && cv.ctx.texts.includes("saturated = slope < 1% for every sample"));
  drawNeuronDetail(cv.ctx, { w: 600, h: 420 }, model, frame, makeMaps(model, frame, 4, 4), { ...THEME, dark: true }, { layer: 1, j: 0 }, { cache });
  assert.ok(cv.ctx.texts.some((t) => t.startsWith("dead: output 0 on all")), "the detail names the mark");
});

test("drawNetwork, one input (regression): each map a strip along x1 with its curve a(x1); the linear output too", () => {
  const model = makeModel([1, 2, 1]), frame = makeFrame(model);
  const maps = makeMaps(model, frame, 5);
  assert.equal(maps.h, 1);
  maps.layers[1].set([-2, -1, 0, 1, 2]); // the fitted value y over x1: -2 .. 2
  const cv = fakeCanvas(), cache = createNetCache(() => cv);
  const geom = layoutNetwork(model, { w: 600, h: 420 }, { frame });
  drawNetwork(cv.ctx, geom, model, frame, maps, THEME, { cache });
  const img = cv.ctx.puts[0], tw = 5 + 2;
  assert.equal(img.height, 1);
  const at = (tile, col) => { const o = (tile * tw + 1 + col) * 4; return [...img.data.slice(o, o + 4)]; };
  // The output is a value, not a probability: on the hidden maps' diverging scale, -max |y| .. max |y|.
  assert.deepEqual(at(3, 0), [213, 94, 0, 255]);
  assert.deepEqual(at(3, 2), [242, 242, 242, 255]);
  assert.deepEqual(at(3, 4), [0, 114, 178, 255]);
  // Its curve: 5 points across the tile, 0 at mid-height, +-max |y| at 5 % from the top and bottom.
  const out = geom.columns[2], node = out.nodes[0], s = out.size, x = node.x - s / 2, y = node.y - s / 2;
  const ys = [0.95, 0.725, 0.5, 0.275, 0.05].map((f) => y + f * s);
  const traced = cv.ctx.lines.slice(-4); // lineTo after moveTo to the first point
  assert.deepEqual(traced.map(([px]) => +px.toFixed(6)), [1, 2, 3, 4].map((c) => +(x + (s * c) / 4).toFixed(6)));
  traced.forEach(([, py], c) => assert.ok(Math.abs(py - ys[c + 1]) < 1e-9, `point ${c + 1}: ${py} vs ${ys[c + 1]}`));
  // The tag names the value, and the legend says what the maps are.
  assert.deepEqual(out.tags.map((t) => t.text), ["y"]);
  assert.ok(geom.legend.lines.flat().some((it) => it.text === "maps: output over x1, curve a(x1)"));
});
