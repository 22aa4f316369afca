// Unit tests of the network view's colour scales (ui/live/scales.js). Run: node --test tests/js/
// Expected colours are worked out by hand from the endpoints: blue #0072B2 = (0, 114, 178), vermillion
// #D55E00 = (213, 94, 0), light neutral (242, 242, 242), linear in RGB, rounded.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  NEUTRAL_DARK, NEUTRAL_LIGHT, diverging, divergingLut, formatValue, hexRgb, magnitude, niceLimit,
} from "../../ui/live/scales.js";

const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

test("diverging: exact endpoints, neutral zero, the halfway colour", () => {
  assert.deepEqual(hexRgb("#0072B2"), [0, 114, 178]);
  assert.deepEqual(diverging(1, 1), [0, 114, 178]);
  assert.deepEqual(diverging(-1, 1), [213, 94, 0]);
  assert.deepEqual(diverging(0, 1), [242, 242, 242]);
  assert.deepEqual(diverging(0, 1, { dark: true }), NEUTRAL_DARK);
  assert.deepEqual(diverging(2, 4), [121, 178, 210]); // (242 + (0 - 242) / 2, 242 + (114 - 242) / 2, 242 + (178 - 242) / 2)
  assert.deepEqual(diverging(-0.25, 0.5), [228, 168, 121]);
  assert.deepEqual(diverging(1, 1, { dark: true }), [0, 114, 178]); // same endpoints on a dark page
});

test("diverging: clamps beyond the limit, saturates infinities, NaN is neutral", () => {
  assert.deepEqual(diverging(7, 1), diverging(1, 1));
  assert.deepEqual(diverging(-1e9, 3), diverging(-3, 3));
  assert.deepEqual(diverging(Infinity, 1), [0, 114, 178]);
  assert.deepEqual(diverging(-Infinity, 1), [213, 94, 0]);
  assert.deepEqual(diverging(NaN, 1), NEUTRAL_LIGHT);
  assert.deepEqual(diverging(NaN, 1, { dark: true }), NEUTRAL_DARK);
  // A zero or bad limit: every non-zero value saturates, zero stays neutral.
  assert.deepEqual(diverging(1e-9, 0), [0, 114, 178]);
  assert.deepEqual(diverging(-1e-9, NaN), [213, 94, 0]);
  assert.deepEqual(diverging(0, 0), NEUTRAL_LIGHT);
});

test("diverging: symmetric, and the distance from neutral grows with |v|", () => {
  const pos = [0, 114, 178], neg = [213, 94, 0];
  let lastP = -1, lastN = -1;
  for (let k = 0; k <= 20; k++) {
    const v = k / 20;
    const p = dist(diverging(v, 1), NEUTRAL_LIGHT) / dist(pos, NEUTRAL_LIGHT);
    const n = dist(diverging(-v, 1), NEUTRAL_LIGHT) / dist(neg, NEUTRAL_LIGHT);
    assert.ok(Math.abs(p - v) < 0.01 && Math.abs(n - v) < 0.01, `share of the way at ${v}: ${p}, ${n}`);
    assert.ok(p > lastP && n > lastN, `monotone at ${v}`);
    lastP = p; lastN = n;
  }
});

test("divergingLut: the same colours as diverging, from -1 to 1", () => {
  const lut = divergingLut({}, 4);
  assert.equal(lut.length, 27);
  for (let q = 0; q <= 8; q++) assert.deepEqual([...lut.slice(3 * q, 3 * q + 3)], diverging((q - 4) / 4, 1));
  assert.deepEqual([...divergingLut({ dark: true }, 1).slice(3, 6)], NEUTRAL_DARK);
});

test("magnitude: neutral at 0, ink at the limit, by |v|, monotone", () => {
  assert.deepEqual(magnitude(0, 1), NEUTRAL_LIGHT);
  assert.deepEqual(magnitude(1, 1), [30, 31, 38]);
  assert.deepEqual(magnitude(5, 1), [30, 31, 38]);
  assert.deepEqual(magnitude(-1, 2), magnitude(1, 2));
  assert.deepEqual(magnitude(1, 2), [136, 137, 140]); // halfway: (242 + 30) / 2, (242 + 31) / 2 rounded, (242 + 38) / 2
  assert.deepEqual(magnitude(0, 1, { dark: true }), NEUTRAL_DARK);
  assert.deepEqual(magnitude(1, 1, { dark: true }), [240, 240, 240]);
  assert.deepEqual(magnitude(NaN, 1), NEUTRAL_LIGHT);
  let last = -1;
  for (let k = 0; k <= 10; k++) {
    const d = dist(magnitude(k / 10, 1), NEUTRAL_LIGHT);
    assert.ok(d > last);
    last = d;
  }
});

test("niceLimit: max |v| for few values, the 98th percentile for many, finite values only", () => {
  assert.equal(niceLimit([0.5, -3, 2]), 3);
  assert.equal(niceLimit(Float64Array.from({ length: 100 }, (_, i) => -(i + 1))), 98); // nearest rank ceil(0.98 * 100) = 98
  const outlier = new Float64Array(100).fill(1);
  outlier[37] = 1e6;
  assert.equal(niceLimit(outlier), 1); // one outlier does not wash the rest out
  assert.equal(niceLimit(Float64Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : -1) * ((i * 7919) % 1000))), 979);
  assert.equal(niceLimit([NaN, Infinity, -Infinity, 0.25]), 0.25);
  assert.equal(niceLimit([1, 2, 3, 4], 0.5), 2);
  assert.equal(niceLimit([]), 0);
  assert.equal(niceLimit(null), 0);
  assert.equal(niceLimit([0, 0]), 0);
});

test("formatValue: 3 significant digits, exponents for tiny and huge, 0 and non-finite", () => {
  const cases = [[0, "0"], [-0, "0"], [1, "1"], [0.5, "0.5"], [-0.25, "−0.25"], [123.456, "123"], [1234, "1230"],
    [9999, "1e4"], [9994, "9990"], [0.00099996, "0.001"], [12345, "1.23e4"], [0.001, "0.001"], [0.00123456, "0.00123"], [0.000123, "1.23e−4"],
    [-5e-7, "−5e−7"], [1e-50, "1e−50"], [2.5e300, "2.5e300"], [NaN, "–"], [Infinity, "–"], [-Infinity, "–"],
    [null, "–"], [undefined, "–"]];
  for (const [v, s] of cases) assert.equal(formatValue(v), s, `formatValue(${v})`);
});
