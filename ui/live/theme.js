// Colours, fonts and line widths of the live view, from Streamlit's theme.

export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]; // Okabe-Ito

// Streamlit exposes its theme as --st-* custom properties on an ancestor; they
// inherit into our (shadow) DOM. Fall back to the light theme defaults.
export function readTheme(el) {
  const cs = getComputedStyle(el);
  const v = (name, dflt) => {
    const s = cs.getPropertyValue(name).trim();
    return s && s !== "unset" ? s : dflt;
  };
  const text = v("--st-text-color", "#31333F");
  const bg = v("--st-background-color", "#FFFFFF");
  const bgRgb = toRgb(bg);
  const dark = 0.2126 * bgRgb[0] + 0.7152 * bgRgb[1] + 0.0722 * bgRgb[2] < 128;
  return {
    key: text + bg,
    dark,
    text,
    bgRgb,
    axis: dark ? "rgba(250,250,250,0.45)" : "rgba(49,51,63,0.45)",
    outline: dark ? "#F5F5F5" : "#1A1A1A",
    trainLine: dark ? "#56B4E9" : "#0072B2", // Okabe-Ito sky blue reads better on dark
    testLine: "#E69F00",
    classRgb: PALETTE.map(toRgb),
    shadeAlpha: dark ? 0.5 : 0.42,
    font: v("--st-font", '"Source Sans Pro", sans-serif'),
  };
}

// Sizes for the payload's mode: presentation mode is read from the back of a classroom.
export function style(d, theme) {
  const p = !!d.presentation;
  return {
    font: p ? 17 : 12,
    line: p ? 3.5 : 2,
    marker: p ? 7 : 4.5,
    fontFamily: theme.font,
  };
}

// Parse any CSS colour via a 1x1 canvas (handles #hex, rgb(), names).
function toRgb(color) {
  const c = document.createElement("canvas");
  c.width = c.height = 1;
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}
