// Axis ticks and their labels, shared by the boundary and loss plots.

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / p;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * p;
}

export function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const k of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

// Ticks of a log axis from a to b (0 < a < b) spanning `px` pixels, labels at least `gap` px apart: the
// finest of these sets that gives 3 to 6 labels (the coarsest with 3 or more, if each gives more than 6):
// the decades; 1, 2 and 5 times each; 1, 2, 3, 5; 1 to 9 times (a loss moving within a decade or two would
// otherwise show one label or none). null if no set gives three labels apart (then linear ticks: so
// narrow a log axis is nearly linear).
const LOG_STEPS = [[1], [1, 2, 5], [1, 2, 3, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];
const LOG_LABELS = 6;

export function logTicks(a, b, px = Infinity, gap = 0) {
  const at = (v) => (Math.log10(v / a) / Math.log10(b / a)) * px;
  const apart = (ticks) => !(gap > 0) || ticks.every((v, i) => i === 0 || at(v) - at(ticks[i - 1]) >= gap);
  let best = null;
  for (const steps of LOG_STEPS) {
    const ticks = [];
    for (let e = Math.floor(Math.log10(a)); Math.pow(10, e) <= b; e++) {
      for (const k of steps) {
        const v = +(k * Math.pow(10, e)).toPrecision(12);
        if (v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9)) ticks.push(v);
      }
    }
    if (ticks.length < 3) continue;
    if (!apart(ticks) || (best && ticks.length > LOG_LABELS)) break; // a finer set only adds labels
    best = ticks;
  }
  return best;
}

export function axisTicks(ctx, a, b, count, at, dir, st, th) {
  const step = niceStep(b - a, Math.max(2, Math.min(8, Math.floor(count))));
  const ticks = [];
  for (let v = Math.ceil(a / step - 1e-9) * step; v <= b + step * 1e-6; v += step) ticks.push(Math.abs(v) < step * 1e-6 ? 0 : v);
  drawTicks(ctx, ticks, at, dir, st, th);
}

export function drawTicks(ctx, ticks, at, dir, st, th) {
  ctx.fillStyle = th.text;
  ctx.strokeStyle = th.axis;
  ctx.lineWidth = 1;
  ctx.font = `${Math.round(st.font * 0.92)}px ${st.fontFamily}`;
  for (const v of ticks) {
    const [x, y] = at(v);
    ctx.beginPath();
    if (dir === "x") {
      ctx.moveTo(x, y); ctx.lineTo(x, y + 4);
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.stroke();
      ctx.fillText(fmtTick(v), x, y + 5);
    } else {
      ctx.moveTo(x - 4, y); ctx.lineTo(x, y);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ctx.stroke();
      ctx.fillText(fmtTick(v), x - 6, y);
    }
  }
}

function fmtTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 10000 || a < 0.001) return v.toExponential(0);
  return String(+v.toPrecision(4));
}
