// The loss plot's log-axis ticks (ui/live/axes.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { logTicks } from "../../ui/live/axes.js";

test("logTicks: decades only when three or more fall inside", () => {
  assert.deepEqual(logTicks(0.0004, 0.6), [0.001, 0.01, 0.1]);
  assert.deepEqual(logTicks(1e-7, 1.2), [1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1]);
});

test("logTicks: 2 and 5 (and 3) times each decade when a loss moves within a decade or two", () => {
  assert.deepEqual(logTicks(0.018, 0.55), [0.02, 0.05, 0.1, 0.2, 0.5]);   // the sine at iteration 120
  assert.deepEqual(logTicks(0.3, 4), [0.3, 0.5, 1, 2, 3]);
  assert.deepEqual(logTicks(0.17, 1.2, 450, 16), [0.2, 0.3, 0.5, 1]);       // the default playground at 300
  // The default playground at iteration 739 (loss 1.1 down to 0.051): labels down to the newest loss. Linear
  // ticks (0.2 apart) used to label only the top half of this axis.
  assert.deepEqual(logTicks(0.045, 1.25, 400, 16), [0.05, 0.1, 0.2, 0.3, 0.5, 1]);
});

test("logTicks: finer steps within a decade, while the labels keep apart; else null (linear ticks)", () => {
  assert.deepEqual(logTicks(0.25, 0.9, 300, 16), [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(logTicks(0.25, 0.9, 120, 16), null);                    // 0.8 and 0.9 would be 11 px apart
  assert.deepEqual(logTicks(0.15, 0.65, 120, 16), [0.2, 0.3, 0.5]);        // 1, 2, 3, 5 fits where 1..9 would not
  assert.deepEqual(logTicks(1.06, 1.13), null);                            // within one step: linear ticks
});
