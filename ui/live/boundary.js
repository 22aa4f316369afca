// The boundary plot: class probabilities as a shaded image, the data points and the axes. For regression
// (d.task "regression", one input) the same panel is the fitted curve: the points (x1, y) and the network's
// output over x1 (frame.curve, at the grid's w x values) drawn over them.

import { axisTicks } from "./axes.js";
import { PALETTE, style } from "./theme.js";

const SHAPES = ["circle", "square", "triangle", "diamond", "star"];

// The decision boundary (shaded class probabilities of `frame`) under the data points and axes.
// `cache` holds this plot's offscreen canvases: {shade, overlay, overlayKey}. False if there is no grid.
export function drawBoundary(cache, { ctx, w, h, dpr }, d, frame, th, pointsKey) {
  const g = d.grid, regression = d.task === "regression";
  // A curve's 1-D data are many points along a line: smaller markers without the dark outline (hundreds of
  // outlines merge into one black line), so the points read as data and the curve over them as the fit.
  const st = regression ? { ...style(d, th), marker: 0.5 * style(d, th).marker, outlined: false } : style(d, th);
  if (!g || !(g.w > 0) || !(g.h > 0)) return false;
  const { px, py, pw, ph, X, Y } = boundaryBox(w, h, d, th);

  ctx.clearRect(0, 0, w, h);
  if (!regression && frame && frame.probs) {
    paintShade(cache.shade, frame.probs, g, d.classes, th);
    // Grid values are samples at linspace(x0, x1, w): pixel centres sit on
    // the samples, so the image extends half a cell past the data range.
    const dx = g.w > 1 ? (g.x1 - g.x0) / (g.w - 1) : g.x1 - g.x0;
    const dy = g.h > 1 ? (g.y1 - g.y0) / (g.h - 1) : g.y1 - g.y0;
    ctx.save();
    ctx.beginPath();
    ctx.rect(px, py, pw, ph);
    ctx.clip();
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(cache.shade, X(g.x0 - dx / 2), Y(g.y1 + dy / 2),
                  X(g.x1 + dx / 2) - X(g.x0 - dx / 2), Y(g.y0 - dy / 2) - Y(g.y1 + dy / 2));
    ctx.restore();
  }

  // Points and axes only change with the dataset/size/theme: cache them.
  const key = [w, h, dpr, th.key, !!d.presentation, g.x0, g.x1, g.y0, g.y1, pointsKey].join("|");
  if (key !== cache.overlayKey) {
    cache.overlay = cache.overlay || document.createElement("canvas");
    cache.overlay.width = Math.round(w * dpr);
    cache.overlay.height = Math.round(h * dpr);
    const o = cache.overlay.getContext("2d");
    o.setTransform(dpr, 0, 0, dpr, 0, 0);
    o.save();
    o.beginPath();
    o.rect(px - st.marker, py - st.marker, pw + 2 * st.marker, ph + 2 * st.marker);
    o.clip(); // points outside the grid range would sit on the tick labels
    drawPoints(o, d.points, X, Y, st, th);
    o.restore();
    o.strokeStyle = th.axis;
    o.lineWidth = 1;
    o.strokeRect(px, py, pw, ph);
    axisTicks(o, g.x0, g.x1, pw / (st.font * 5), (v) => [X(v), py + ph], "x", st, th);
    axisTicks(o, g.y0, g.y1, ph / (st.font * 4), (v) => [px, Y(v)], "y", st, th);
    o.fillStyle = th.text;
    o.font = `${st.font}px ${st.fontFamily}`;
    o.textAlign = "center";
    o.textBaseline = "bottom";
    // Under the tick labels (the square plot may leave room below it), not at the panel's foot.
    o.fillText(regression ? "x1 (input)" : "x1", px + pw / 2, Math.min(h - 2, py + ph + 8 + st.font * 2.3));
    o.save();
    o.translate(Math.max(st.font * 0.9, px - st.font * 2.6), py + ph / 2); // hug the axis
    o.rotate(-Math.PI / 2);
    o.textBaseline = "middle";
    o.fillText(regression ? "y (target, and the fit)" : "x2", 0, 0);
    o.restore();
    cache.overlayKey = key;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(cache.overlay, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (regression && frame && frame.curve) drawCurve(ctx, frame.curve, g, { px, py, pw, ph, X, Y }, st, th);
  return true;
}

const CURVE_COLOR = PALETTE[4]; // vermillion, beside the points' blue (Okabe-Ito: tells apart for colour-blind eyes)

// The network's output y(x1) at the grid's x values, over the points (clipped to the plot).
function drawCurve(ctx, curve, g, { px, py, pw, ph, X, Y }, st, th) {
  const n = Math.min(g.w, curve.length);
  ctx.save();
  ctx.beginPath();
  ctx.rect(px, py, pw, ph);
  ctx.clip();
  ctx.beginPath();
  let on = false;
  const far = 1e3 * (g.y1 - g.y0); // a wild value is clipped anyway: keep its pixel coordinate finite and small
  for (let c = 0; c < n; c++) {
    const v = curve[c];
    if (!Number.isFinite(v)) { on = false; continue; }
    const x = X(n > 1 ? g.x0 + ((g.x1 - g.x0) * c) / (n - 1) : g.x0);
    const y = Y(Math.max(g.y0 - far, Math.min(g.y1 + far, v)));
    if (on) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    on = true;
  }
  ctx.lineJoin = "round";
  ctx.lineWidth = st.line + 2; // a halo in the page's colour keeps the fit apart from the points under it
  ctx.strokeStyle = `rgb(${th.bgRgb.join(",")})`;
  ctx.stroke();
  ctx.lineWidth = st.line;
  ctx.strokeStyle = CURVE_COLOR;
  ctx.stroke();
  ctx.restore();
}

// The plot's box in CSS pixels inside a w x h canvas, and the maps from data to pixels: with equal aspect
// for the (x1, x2) plane so geometry (distances, angles, the input-gradient arrows) is not distorted; a
// regression's x and y are different quantities, so its plot fills the box.
export function boundaryBox(w, h, d, th) {
  const g = d.grid, st = style(d, th);
  const m = { l: st.font * 3.2, r: 8, t: 8, b: st.font * 3 };
  const aw = w - m.l - m.r, ah = h - m.t - m.b;
  const ar = d.task === "regression" ? aw / Math.max(1, ah) : (g.x1 - g.x0) / (g.y1 - g.y0);
  const pw = Math.max(10, Math.min(aw, ah * ar)), ph = pw / ar;
  const px = m.l + (aw - pw) / 2, py = m.t + (ah - ph) / 2;
  const X = (x) => px + ((x - g.x0) / (g.x1 - g.x0)) * pw;
  const Y = (y) => py + ph - ((y - g.y0) / (g.y1 - g.y0)) * ph;
  return { px, py, pw, ph, X, Y };
}

// Colour of a cell = probability-weighted mix of the class colours, laid over
// the page background at partial opacity so points stay readable on top.
function paintShade(shade, probs, g, C, th) {
  const W = g.w, H = g.h;
  if (shade.width !== W || shade.height !== H) {
    shade.width = W;
    shade.height = H;
  }
  const sctx = shade.getContext("2d");
  const img = sctx.createImageData(W, H);
  const px = img.data, cols = th.classRgb, bg = th.bgRgb, a = th.shadeAlpha;
  for (let r = 0; r < H; r++) {
    const out = (H - 1 - r) * W; // row 0 of the grid is y0 = bottom of the image
    for (let c = 0; c < W; c++) {
      const base = (r * W + c) * C;
      let R = 0, G = 0, B = 0, sum = 0;
      for (let k = 0; k < C; k++) {
        const p = probs[base + k], col = cols[k % cols.length];
        R += p * col[0]; G += p * col[1]; B += p * col[2]; sum += p;
      }
      const o = (out + c) * 4;
      if (sum > 0) {
        px[o] = bg[0] + a * (R / sum - bg[0]);
        px[o + 1] = bg[1] + a * (G / sum - bg[1]);
        px[o + 2] = bg[2] + a * (B / sum - bg[2]);
      } else {
        px[o] = bg[0]; px[o + 1] = bg[1]; px[o + 2] = bg[2];
      }
      px[o + 3] = 255;
    }
  }
  sctx.putImageData(img, 0, 0);
}

// A cheap fingerprint of the data points: the overlay is redrawn only when it changes.
export function pointsKey(p) {
  if (!p || !p.x) return "none";
  let h = p.x.length;
  for (let i = 0; i < p.x.length; i++) h = (h * 31 + p.x[i] * 997 + p.y[i] * 131 + (p.c[i] | 0) * 7 + (p.test ? p.test[i] : 0)) % 1e9;
  return h.toFixed(3);
}

function drawPoints(ctx, p, X, Y, st, th) {
  if (!p || !p.x) return;
  const n = p.x.length, s = st.marker;
  // Training points first, test points (hollow) on top so they are not hidden.
  for (const wantTest of [0, 1]) {
    for (let i = 0; i < n; i++) {
      const isTest = p.test ? (p.test[i] ? 1 : 0) : 0;
      if (isTest !== wantTest) continue;
      const k = p.c[i] | 0, col = PALETTE[k % PALETTE.length];
      const x = X(p.x[i]), y = Y(p.y[i]);
      shapePath(ctx, SHAPES[k % SHAPES.length], x, y, s);
      if (isTest) {
        // Hollow: a dark halo under a coloured ring keeps it visible on any shade.
        ctx.lineWidth = 3.2 * st.line / 2;
        ctx.strokeStyle = th.outline;
        ctx.stroke();
        ctx.lineWidth = 1.6 * st.line / 2;
        ctx.strokeStyle = col;
        ctx.stroke();
      } else {
        ctx.fillStyle = col;
        ctx.fill();
        if (st.outlined === false) continue;
        ctx.lineWidth = Math.min(1.5, 0.6 * st.line);
        ctx.strokeStyle = th.outline;
        ctx.stroke();
      }
    }
  }
}

function shapePath(ctx, shape, x, y, s) {
  ctx.beginPath();
  if (shape === "circle") {
    ctx.arc(x, y, s, 0, 2 * Math.PI);
  } else if (shape === "square") {
    const a = s * 0.9;
    ctx.rect(x - a, y - a, 2 * a, 2 * a);
  } else if (shape === "triangle") {
    const a = s * 1.25;
    ctx.moveTo(x, y - a);
    ctx.lineTo(x + a * 0.95, y + a * 0.7);
    ctx.lineTo(x - a * 0.95, y + a * 0.7);
    ctx.closePath();
  } else if (shape === "diamond") {
    const a = s * 1.3;
    ctx.moveTo(x, y - a);
    ctx.lineTo(x + a, y);
    ctx.lineTo(x, y + a);
    ctx.lineTo(x - a, y);
    ctx.closePath();
  } else {
    // Five-pointed star.
    const ro = s * 1.4, ri = ro * 0.45;
    for (let i = 0; i < 10; i++) {
      const r = i % 2 ? ri : ro, t = -Math.PI / 2 + (i * Math.PI) / 5;
      ctx.lineTo(x + r * Math.cos(t), y + r * Math.sin(t));
    }
    ctx.closePath();
  }
}
