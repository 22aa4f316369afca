// The network's forward pass over the plotted grid, in the browser: every neuron's activation at every grid
// point (the neuron maps) and the class probabilities (the decision boundary), from the parameters a frame
// carries. No DOM: `node --test` runs it, and tests/test_live_forward.py holds it to nncore's
// probability_grid (max abs difference <= 1e-9). A network of one input (regression: y over x) is run on
// the grid's x values only (its grid has h = 1); its last layer's output is the fitted curve.
//
// It mirrors nncore exactly: Dense is inputs @ weights + biases (weights[i][j] at W[i*n + j], input i ->
// neuron j); ReLU max(x, 0); Sigmoid in nncore's two-sided form (exp(-|x|), so it never overflows); Tanh;
// Linear; Softmax with the row maximum subtracted first.

// Decode base64 (as the payload sends it) into a Float64Array of little-endian doubles.
export function decodeFloat64(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer, 0, bytes.length >> 3);
}

const ACTIVATE = {
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
  linear: (z) => z,
  sigmoid: (z) => {
    const e = Math.exp(-Math.abs(z));
    return z >= 0 ? 1 / (1 + e) : e / (1 + e);
  },
};

// Split a flat array of every Dense layer's (weights, biases), in that order, into [{W, b}, ...].
export function splitLayers(flat, layers, names = ["W", "b"]) {
  const out = [];
  let k = 0;
  for (const { n_in, n } of layers) {
    const W = flat.subarray(k, k + n_in * n);
    k += n_in * n;
    const b = flat.subarray(k, k + n);
    k += n;
    out.push({ [names[0]]: W, [names[1]]: b });
  }
  if (k !== flat.length) throw new Error(`expected ${k} values for the layers, got ${flat.length}`);
  return out;
}

// Split a flat per-neuron array (n values per Dense layer) into one array per layer.
export function splitNeurons(flat, layers) {
  const out = [];
  let k = 0;
  for (const { n } of layers) {
    out.push(flat.subarray(k, k + n));
    k += n;
  }
  if (k !== flat.length) throw new Error(`expected ${k} per-neuron values, got ${flat.length}`);
  return out;
}

// The grid's points, as nncore.probability_grid samples them: x = linspace(x0, x1, w), y = linspace(y0, y1, h),
// pixel p = row * w + col, row 0 at y0. Returns [Float64Array x1, Float64Array x2].
export function gridInputs(g) {
  const n = g.w * g.h;
  const xs = new Float64Array(n), ys = new Float64Array(n);
  const at = (a, b, k, m) => (m > 1 ? a + ((b - a) * k) / (m - 1) : a);
  for (let r = 0; r < g.h; r++) {
    const y = at(g.y0, g.y1, r, g.h);
    for (let c = 0; c < g.w; c++) {
      xs[r * g.w + c] = at(g.x0, g.x1, c, g.w);
      ys[r * g.w + c] = y;
    }
  }
  return [xs, ys];
}

// nncore.features.FEATURES: each input feature's value from (x1, x2), by name.
export const FEATURES = {
  x1sq: (a, b) => a * a,
  x2sq: (a, b) => b * b,
  x1x2: (a, b) => a * b,
  sinx1: (a, b) => Math.sin(a),
  sinx2: (a, b) => Math.sin(b),
};

// The first layer's input columns: [x1, x2] and each of `features` (names, in the order the network has
// them) computed from them point by point.
export function featureColumns([x1, x2], features = []) {
  return [x1, x2, ...features.map((name) => {
    const f = FEATURES[name];
    if (!f) throw new Error(`unknown feature ${name}`);
    return Float64Array.from(x1, (a, p) => f(a, x2[p]));
  })];
}

// Every layer's output at every grid point. `layers`: [{n_in, n, activation}]; `params`: [{W, b}];
// `features`: the input features' names (ui.run.architecture's "features"), computed before the first layer.
// Returns {inputs: [x1, x2, features...] (x alone for one input), layers: [Float64Array(points * n) at p * n + j],
// probs: Float64Array(points * k)} where probs has one column per class (a one-output sigmoid gives
// P(class 0), P(class 1), as nncore does).
export function forwardGrid(layers, params, g, features = []) {
  const grid = gridInputs(g);
  // A one-input network (regression) reads x alone; otherwise (x1, x2) and the features computed from them.
  const inputs = layers.length && layers[0].n_in === 1 && !features.length ? grid.slice(0, 1)
    : featureColumns(grid, features);
  const points = g.w * g.h, m = inputs.length;
  if (layers.length && layers[0].n_in !== m) throw new Error(`the first layer takes ${layers[0].n_in} inputs, not ${m}`);
  let x = new Float64Array(points * m);
  for (let p = 0; p < points; p++) for (let i = 0; i < m; i++) x[m * p + i] = inputs[i][p];
  const outs = [];
  for (let l = 0; l < layers.length; l++) {
    const { n_in, n, activation } = layers[l];
    const { W, b } = params[l];
    const z = new Float64Array(points * n);
    for (let p = 0; p < points; p++) {
      const row = p * n, xin = p * n_in;
      for (let j = 0; j < n; j++) z[row + j] = 0;
      for (let i = 0; i < n_in; i++) {
        const xi = x[xin + i];
        if (xi === 0) continue;
        const wi = i * n;
        for (let j = 0; j < n; j++) z[row + j] += xi * W[wi + j];
      }
      for (let j = 0; j < n; j++) z[row + j] += b[j];
    }
    if (activation === "softmax") softmaxRows(z, points, n);
    else {
      const f = ACTIVATE[activation];
      if (!f) throw new Error(`unknown activation ${activation}`);
      for (let q = 0; q < z.length; q++) z[q] = f(z[q]);
    }
    outs.push(z);
    x = z;
  }
  const last = outs[outs.length - 1], k = layers[layers.length - 1].n;
  let probs = last;
  if (k === 1) {
    probs = new Float64Array(points * 2);
    for (let p = 0; p < points; p++) {
      probs[2 * p] = 1 - last[p];
      probs[2 * p + 1] = last[p];
    }
  }
  return { inputs, layers: outs, probs };
}

function softmaxRows(z, rows, n) {
  for (let p = 0; p < rows; p++) {
    const o = p * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (z[o + j] > m) m = z[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) {
      z[o + j] = Math.exp(z[o + j] - m);
      s += z[o + j];
    }
    for (let j = 0; j < n; j++) z[o + j] /= s;
  }
}

// Class probabilities as the boundary plot's bytes: round(p * 255), as ui.live.encode_probs did on the server.
export function probsToBytes(probs) {
  const out = new Uint8Array(probs.length);
  for (let q = 0; q < probs.length; q++) out[q] = Math.round(Math.min(1, Math.max(0, probs[q])) * 255);
  return out;
}
