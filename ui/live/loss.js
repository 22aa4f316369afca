// The loss plot: train (and test) loss up to the frame on screen.

import { axisTicks, drawTicks, logTicks, niceCeil } from "./axes.js";
import { style } from "./theme.js";

// The loss curve `c` ({it, loss, test}) with a marker on `frame`, the one on screen.
export function drawLoss({ ctx, w, h }, d, c, frame, th) {
  const st = style(d, th), logY = !!d.log_y;
  ctx.clearRect(0, 0, w, h);
  const m = { l: st.font * 4.2, r: st.font, t: 8, b: st.font * 3 };
  const pw = Math.max(10, w - m.l - m.r), ph = Math.max(10, h - m.t - m.b);

  // x range: nice upper bound ahead of the newest known iteration, so the
  // axis only rescales occasionally while playing.
  const lastIt = c.it.length ? c.it[c.it.length - 1] : 0;
  const xmax = niceCeil(Math.max(10, lastIt * 1.05));
  let lo = Infinity, hi = -Infinity;
  for (const arr of [c.loss, c.test]) {
    for (const v of arr) {
      if (v == null || !isFinite(v) || (logY && v <= 0)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!isFinite(lo)) { lo = logY ? 0.01 : 0; hi = 1; }
  let y0, y1;
  if (logY) {
    // Tight range: rounding out to whole decades would flatten a loss that moves within one.
    const pad = Math.max(1.02, Math.pow(hi / lo, 0.06));
    y0 = lo / pad;
    y1 = hi * pad;
  } else {
    y0 = 0;
    y1 = niceCeil(hi > 0 ? hi * 1.05 : 1);
  }
  const tY = logY ? (v) => Math.log10(v) : (v) => v;
  const X = (it) => m.l + (it / xmax) * pw;
  const Y = (v) => m.t + ph - ((tY(v) - tY(y0)) / (tY(y1) - tY(y0))) * ph;

  ctx.strokeStyle = th.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(m.l, m.t, pw, ph);
  axisTicks(ctx, 0, xmax, pw / (st.font * 6), (v) => [X(v), m.t + ph], "x", st, th);
  const logs = logY ? logTicks(y0, y1, ph, st.font * 1.3) : null;
  if (logs) {
    drawTicks(ctx, logs, (v) => [m.l, Y(v)], "y", st, th);
  } else {
    axisTicks(ctx, y0, y1, ph / (st.font * 3), (v) => [m.l, Y(v)], "y", st, th);
  }
  ctx.fillStyle = th.text;
  ctx.font = `${st.font}px ${st.fontFamily}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText("iteration", m.l + pw / 2, h - 2);
  ctx.save();
  ctx.translate(st.font * 0.9, m.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(logY ? "loss (log)" : "loss", 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t, pw, ph);
  ctx.clip();
  const line = (vals, color, dash) => {
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < c.it.length; i++) {
      const v = vals[i];
      if (v == null || !isFinite(v) || (logY && v <= 0)) { pen = false; continue; }
      if (pen) ctx.lineTo(X(c.it[i]), Y(v));
      else ctx.moveTo(X(c.it[i]), Y(v));
      pen = true;
    }
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = st.line;
    ctx.lineJoin = "round";
    ctx.stroke();
    ctx.setLineDash([]);
  };
  const hasTest = c.test.some((v) => v != null);
  if (hasTest) line(c.test, th.testLine, [st.line * 3, st.line * 2]);
  line(c.loss, th.trainLine, []);

  if (frame) {
    const x = X(frame.iteration);
    ctx.strokeStyle = th.axis;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, m.t);
    ctx.lineTo(x, m.t + ph);
    ctx.stroke();
    if (frame.loss != null && isFinite(frame.loss) && !(logY && frame.loss <= 0)) {
      ctx.beginPath();
      ctx.arc(x, Y(frame.loss), st.line * 2.2, 0, 2 * Math.PI);
      ctx.fillStyle = th.trainLine;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = th.outline;
      ctx.stroke();
    }
  }
  ctx.restore();

  if (hasTest) {
    // Minimal legend, top right: a line sample then the label, one row each.
    ctx.font = `${st.font}px ${st.fontFamily}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const x0 = m.l + pw - st.font * 5.2, y0 = m.t + st.font;
    [["train", th.trainLine, []], ["test", th.testLine, [st.line * 3, st.line * 2]]].forEach(([label, color, dash], i) => {
      const y = y0 + i * st.font * 1.4;
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = st.line;
      ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x0 + st.font * 1.8, y); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = th.text;
      ctx.fillText(label, x0 + st.font * 2.3, y);
    });
  }
  return true;
}
