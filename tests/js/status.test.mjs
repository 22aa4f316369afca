// The stage's status line: one iteration number with the numbers of the frame drawn, in parts that a
// phone wraps between (never inside "test 35.0%").
import { test } from "node:test";
import assert from "node:assert/strict";

import { statusParts } from "../../ui/live/live.js";

test("statusParts: a frame's iteration, loss, accuracy and test accuracy", () => {
  const f = { iteration: 10, loss: 1.0843, acc: 0.47916, test_acc: 0.35 };
  assert.deepEqual(statusParts(f), ["Iteration 10", "loss 1.08", "accuracy 47.9%", "test 35.0%"]);
  assert.deepEqual(statusParts({ ...f, test_acc: null, reg_loss: 0.01234 }),
    ["Iteration 10", "loss 1.08 (+ reg. 0.0123)", "accuracy 47.9%"]);
  assert.deepEqual(statusParts({ ...f, loss: Infinity, acc: null }), ["Iteration 10", "loss –", "accuracy –", "test 35.0%"]);
  assert.deepEqual(statusParts(null), []);
  // Regression: the book's accuracy, which a fit that looks perfect may fail.
  assert.deepEqual(statusParts({ iteration: 120, loss: 0.0228, acc: 0.041, test_acc: null }, null, null, true),
    ["Iteration 120", "loss 0.0228", "accuracy (± std/250) 4.1%"]);
});

test("statusParts: a Step in phases names the phase, and the loss before the update", () => {
  const step = { before: { iteration: 9, loss: 1.1 }, after: { iteration: 10, loss: 1.08 } };
  assert.deepEqual(statusParts(step.after, { phase: "forward" }, step), ["Step 9 → 10: forward pass", "loss 1.10"]);
  assert.deepEqual(statusParts(step.after, { phase: "backward" }, step), ["Step 9 → 10: backward pass", "loss 1.10"]);
  assert.deepEqual(statusParts(step.after, { phase: "update" }, step), ["Step 9 → 10: update"]);
});
