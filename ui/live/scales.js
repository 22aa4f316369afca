// Colour scales of the network view (no DOM): signed values on a diverging scale, unsigned ones on a
// sequential one, a robust limit to scale by, and the number format of their legends.
//
//   diverging(v, limit, {dark})  -> [r, g, b] 0..255: 0 -> neutral (light grey; dark grey when dark),
//                                   +limit and beyond -> blue #0072B2, -limit and beyond -> vermillion #D55E00
//                                   (the app's sign convention, Okabe-Ito as in theme.js PALETTE);
//                                   linear in RGB in between; NaN -> neutral
//   divergingLut({dark}, steps)  -> Uint8Array of 2*steps+1 colours (rgb triples) for v/limit = -1..1
//                                   in steps of 1/steps: the same colours, for painting many pixels
//   magnitude(v, limit, {dark})  -> [r, g, b]: |v| from neutral (0) to ink (>= limit: near black; near
//                                   white when dark); NaN -> neutral
//   niceLimit(values, q = 0.98)  -> the q-quantile (nearest rank) of the finite |values|, so up to 2% of
//                                   them saturate and one outlier does not wash the rest out; with fewer
//                                   than 50 values that is the max |v|. 0 when there is none (or all are 0).
//   mixRgb(a, b, t)              -> a + (b - a) t per channel, rounded
//   formatValue(v)               -> legend text: 3 significant digits, exponent below 1e-3 or from 1e4,
//                                   "0" for 0, "–" for NaN/±Infinity, "−" (minus sign) for negatives

import { PALETTE } from "./theme.js";

export function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export const POSITIVE_RGB = hexRgb(PALETTE[0]); // blue
export const NEGATIVE_RGB = hexRgb(PALETTE[4]); // vermillion
export const NEUTRAL_LIGHT = [242, 242, 242];
export const NEUTRAL_DARK = [58, 60, 70];
const INK_LIGHT = [30, 31, 38];
const INK_DARK = [240, 240, 240];

// |v| / limit in [0, 1]; a zero (or bad) limit saturates every non-zero value.
function scaleShare(v, limit) {
  const a = Math.abs(v);
  if (!(limit > 0)) return a > 0 ? 1 : 0; // NaN fails both tests: 0
  const t = a / limit;
  return t >= 1 ? 1 : t > 0 ? t : 0;
}

export function mixRgb(a, b, t) {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

export function diverging(v, limit, opts = {}) {
  const neutral = opts.dark ? NEUTRAL_DARK : NEUTRAL_LIGHT;
  return mixRgb(neutral, v < 0 ? NEGATIVE_RGB : POSITIVE_RGB, scaleShare(v, limit));
}

export function divergingLut(opts = {}, steps = 128) {
  const out = new Uint8Array(3 * (2 * steps + 1));
  for (let k = -steps; k <= steps; k++) out.set(diverging(k, steps, opts), 3 * (k + steps));
  return out;
}

export function magnitude(v, limit, opts = {}) {
  return opts.dark ? mixRgb(NEUTRAL_DARK, INK_DARK, scaleShare(v, limit)) : mixRgb(NEUTRAL_LIGHT, INK_LIGHT, scaleShare(v, limit));
}

export function niceLimit(values, q = 0.98) {
  const n0 = values ? values.length : 0;
  const a = new Float64Array(n0);
  let n = 0;
  for (let i = 0; i < n0; i++) { const x = Math.abs(values[i]); if (x < Infinity) a[n++] = x; }
  if (!n) return 0;
  return quickselect(a, n, Math.max(0, Math.ceil(q * n) - 1));
}

// The k-th smallest of a[0..n) (reorders a): quickselect, O(n), as this runs on every layer every frame.
function quickselect(a, n, k) {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

export function formatValue(v) {
  if (typeof v !== "number" || !isFinite(v)) return "–";
  if (v === 0) return "0";
  const a = +Math.abs(v).toPrecision(3); // rounded first: 9999 -> 1e4, not "10000"
  let s;
  if (a < 1e-3 || a >= 1e4) {
    const [m, e] = a.toExponential(2).split("e");
    s = `${String(+m)}e${e.replace("+", "")}`;
  } else {
    s = String(a);
  }
  return (v < 0 ? "−" : "") + s.replace("e-", "e−");
}
