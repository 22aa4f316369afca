// The loss plot's log-axis ticks (ui/live/axes.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { logTicks } from "../../ui/live/axes.js";

test("logTicks: decades only when three or more fall inside", () => {
  assert.deepEqual(logTicks(0.0004, 0.6), [0.001, 0.01, 0.1]);
  assert.deepEqual(logTicks(1e-7, 1.2), [1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1]);
});

test("logTicks: 2 and 5 times each decade when a loss moves within a decade or two", () => {
  assert.deepEqual(logTicks(0.018, 0.55), [0.02, 0.05, 0.1, 0.2, 0.5]);   // the sine at iteration 120
  assert.deepEqual(logTicks(1.06, 1.13), []);                              // within one step: none (the linear ticks take over)
  assert.deepEqual(logTicks(0.3, 4), [0.5, 1, 2]);
});
