// A synthetic network for the network-view tests and the dev page: seeded random weights, its
// activations over a grid (a real forward pass: relu hidden layers, softmax, sigmoid or linear output) and
// per-neuron numbers shaped like the live payload's (ui/live/netview.js describes them).

import { FEATURES, featureColumns } from "../../ui/live/forward.js";

// mulberry32: a small seeded generator, so every run draws the same network.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FEATURE_NAMES = Object.keys(FEATURES);
const FEATURE_LABELS = ["x1²", "x2²", "x1·x2", "sin x1", "sin x2"]; // nncore.features.FEATURES' labels

// sizes like [2, 64, 3]; a last size of 1 makes a sigmoid output; a first size above 2 adds that many
// input features (x1², x2², ... in nncore's order); one input (sizes [1, ..., 1]) a regression network:
// x1 alone and a linear output.
export function makeModel(sizes) {
  const L = sizes.length - 1, out = sizes[L], regression = sizes[0] === 1, k = Math.max(0, sizes[0] - 2);
  const head = regression ? "linear" : out === 1 ? "sigmoid" : "softmax";
  return {
    inputs: regression ? ["x1"] : ["x1", "x2", ...FEATURE_LABELS.slice(0, k)],
    features: FEATURE_NAMES.slice(0, k),
    classes: regression ? 1 : out === 1 ? 2 : out,
    layers: sizes.slice(1).map((n, k) => ({
      name: `dense${k + 1}`, n_in: sizes[k], n, activation: k === L - 1 ? head : "relu",
    })),
  };
}

export function makeFrame(model, seed = 1, iteration = 10) {
  const r = rng(seed);
  const g = () => r() * 2 - 1;
  return {
    iteration, loss: 0.9, acc: 0.6, test_loss: null, test_acc: null, reg_loss: 0, lr: 1,
    layers: model.layers.map((l) => {
      const W = Float64Array.from({ length: l.n_in * l.n }, () => g() * Math.sqrt(2 / l.n_in) * 1.5);
      return {
        W, b: Float64Array.from({ length: l.n }, () => g() * 0.3),
        dW: Float64Array.from({ length: l.n_in * l.n }, () => g() * 0.01 * Math.pow(r(), 3)),
        db: Float64Array.from({ length: l.n }, () => g() * 0.01),
        activity: Float64Array.from({ length: l.n }, () => r() * Math.pow(r(), 2)),
        grad: Float64Array.from({ length: l.n }, () => r() * 0.05),
      };
    }),
  };
}

// A regression model's maps are one row (h = 1): x1 along it.
export function makeMaps(model, frame, w = 50, h = 50, span = 1) {
  if (model.inputs.length === 1) h = 1;
  const P = w * h;
  const x1 = new Float64Array(P), x2 = new Float64Array(P);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
    x1[r * w + c] = -span + (2 * span * c) / (w - 1);
    x2[r * w + c] = -span + (2 * span * r) / (h - 1);
  }
  const inputs = model.inputs.length === 1 ? [x1] : featureColumns([x1, x2], model.features || []);
  let prev = inputs.length, act = (p, i) => inputs[i][p];
  const layers = [];
  model.layers.forEach((l, k) => {
    const { W, b } = frame.layers[k], out = new Float64Array(P * l.n);
    for (let p = 0; p < P; p++) {
      for (let j = 0; j < l.n; j++) {
        let z = b[j];
        for (let i = 0; i < prev; i++) z += act(p, i) * W[i * l.n + j];
        out[p * l.n + j] = z;
      }
      if (l.activation === "relu") for (let j = 0; j < l.n; j++) out[p * l.n + j] = Math.max(0, out[p * l.n + j]);
      else if (l.activation === "sigmoid") out[p] = 1 / (1 + Math.exp(-out[p]));
      else if (l.activation === "linear") continue;
      else {
        let m = -Infinity, s = 0;
        for (let j = 0; j < l.n; j++) m = Math.max(m, out[p * l.n + j]);
        for (let j = 0; j < l.n; j++) s += (out[p * l.n + j] = Math.exp(out[p * l.n + j] - m));
        for (let j = 0; j < l.n; j++) out[p * l.n + j] /= s;
      }
    }
    layers.push(out);
    const n = l.n, o = out;
    prev = n;
    act = (p, i) => o[p * n + i];
  });
  return { w, h, inputs, layers };
}
