"""Pure figure builders: data in, a Plotly figure, inline SVG or an HTML table out.

They read no session state and compute no gradients; every number they draw was
computed by nncore and is passed in.
"""

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui import summaries

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00")
CLASS_MARKERS = ("circle", "square", "triangle-up", "diamond", "x")
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"     # weight sign: blue +, vermillion -
DIVERGING = [[0.0, NEGATIVE], [0.5, "#f7f7f7"], [1.0, POSITIVE]]


def _layout(fig, title, height, big=False):
    fig.update_layout(_base_layout(title, height, big))
    return fig


def _base_layout(title, height, big):
    return dict(title=dict(text=title, font=dict(size=22 if big else 17)), height=height,
                margin=dict(l=10, r=10, t=50, b=10), font=dict(size=20 if big else 14), hoverlabel=dict(font_size=16))


def curves(iterations, series, current, *, title="Loss", log_y=True, big=False, height=320):
    """Lines for ``series`` ({name: values over ``iterations``, or (its own iterations, values)},
    iterations ascending); a marker at ``current`` on each line that has a value there.

    Built as one dict, not trace by trace: a playing session rebuilds it every second, and
    Plotly's incremental updates cost 5x more."""
    traces = []
    dashes = ("solid", "dash", "dot", "dashdot")
    for k, (name, values) in enumerate(series.items()):
        x, values = values if isinstance(values, tuple) else (iterations, values)
        x, values = np.asarray(x), np.asarray(values, dtype=float)
        if not np.isfinite(values).any():
            continue
        color = CLASS_COLORS[k % 5]
        traces.append(dict(type="scatter", x=x, y=values, name=name, mode="lines",
                           line=dict(width=4 if big else 2.5, dash=dashes[k % 4], color=color),
                           hovertemplate="iteration %{x}<br>" + name + " %{y:.6g}<extra></extra>"))
        idx = np.searchsorted(x, current)
        if idx < len(x) and x[idx] == current and np.isfinite(values[idx]):
            traces.append(dict(type="scatter", x=[current], y=[values[idx]], mode="markers", showlegend=False,
                               marker=dict(size=14 if big else 10, color=color, line=dict(width=2, color="black")),
                               hovertemplate=f"iteration {current}<br>{name} %{{y:.6g}}<extra></extra>"))
    layout = _base_layout(title, height, big)
    layout.update(
        shapes=[dict(type="line", x0=current, x1=current, xref="x", y0=0, y1=1, yref="paper",
                     line=dict(color="#444", width=2, dash="dot"))],
        xaxis=dict(title=dict(text="iteration"), **_AXIS_FONTS[big]),
        yaxis=dict(type="log" if log_y else "linear", exponentformat="power", **_AXIS_FONTS[big]),
        # Under the axis title, which a projector's large type makes taller.
        legend=dict(orientation="h", yanchor="top", y=-0.42 if big else -0.25, font=dict(size=18) if big else {}))
    return go.Figure(data=traces, layout=layout)


# Tick labels and axis titles at a projector's size (Streamlit's chart theme sets them small otherwise,
# whatever the layout's font says).
_AXIS_FONTS = {True: dict(tickfont=dict(size=18), title_font=dict(size=20)), False: {}}


def _axis_fonts(fig, big):
    if big:
        fig.update_xaxes(**_AXIS_FONTS[True])
        fig.update_yaxes(**_AXIS_FONTS[True])
        fig.update_layout(legend_font_size=18)
    return fig


def _symmetric_limit(*arrays):
    """max |value| over the finite entries of ``arrays``: the ends of a diverging scale centred on 0
    (1 when all are 0, so the scale still spans something)."""
    values = np.concatenate([np.ravel(a) for a in arrays]).astype(float)
    values = np.abs(values[np.isfinite(values)])
    return float(values.max()) if values.size and values.max() > 0 else 1.0


def _tick_step(n, max_ticks):
    """The smallest of 1, 2, 5, 10, 20, 25, 50, 100 that labels at most ``max_ticks`` of indices 0..n-1:
    integer ticks that never overlap, however many rows or columns."""
    return next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if -(-n // s) <= max_ticks), 100)


def _index_axis(n, max_ticks, title=None):
    return dict(tickmode="linear", tick0=0, dtick=_tick_step(n, max_ticks), title_text=title, showgrid=False,
                zeroline=False)


# The gradient inspector's two sides: (title, the matrix's name, the bias strip's name).
INSPECTOR_SIDES = {"values": ("weights W and biases b", "w", "b"),
                   "gradients": ("gradients dL/dW and dL/db", "dL/dw", "dL/db")}


def gradient_inspector(matrix, bias, *, side, layer, inputs=None, big=False):
    """One side of a layer's gradient inspector: W with b under it (``side`` "values") or dL/dW with dL/db
    ("gradients"); rows = input i, columns = neuron j. ``inputs``: the rows' names (the first layer's x1, x2,
    x1², ...), instead of their indices. The page puts the two sides in two columns: side by side on a
    laptop or a projector, one above the other on a phone, each as wide as the screen.

    The matrix and the strip each have their own diverging scale centred on 0, with its colour bar: a
    gradient is often orders of magnitude smaller than its weight, and dL/db (a sum over the batch of dL/dz)
    is often far larger than dL/dw (the same sum weighted by small activations). The values are written in
    the cells only while they fit; hover gives every one exactly."""
    matrix = np.asarray(matrix, dtype=float)
    strip_z = np.ravel(bias)[None, :].astype(float)
    n_in, n_out = matrix.shape
    title, name, bias_name = INSPECTOR_SIDES[side]
    # Values in the cells only while they fit, in one size on both sides (hover has them all).
    text = n_out <= (4 if big else 8) and n_in <= 16
    top = int(np.clip(n_in * (48 if big else 40), 120, 400 if big else 520))
    strip, gap_px, t, bottom = (80, 28, 80, 80) if big else (64, 24, 64, 70)
    height = top + strip + gap_px + t + bottom
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[top, strip],
                        vertical_spacing=gap_px / (height - t - bottom))
    gap = 1 if max(n_in, n_out) <= 32 else 0  # gaps at 128 cells would be all there is to see
    cols, rows = np.arange(n_out), np.arange(n_in)
    for row, z, y, label in ((1, matrix, rows, name), (2, strip_z, [bias_name], bias_name)):
        axis = "coloraxis" + ("2" if row == 2 else "")
        where = ("input %{y}" if inputs is None else "input %{customdata}") + ", neuron %{x}" if row == 1 \
            else "neuron %{x}"
        names = np.repeat(np.asarray(inputs, dtype=object)[:, None], n_out, axis=1) if inputs and row == 1 else None
        fig.add_trace(go.Heatmap(z=z, x=cols, y=y, coloraxis=axis, xgap=gap, ygap=gap, customdata=names,
                                 texttemplate="%{z:.2g}" if text else None, textfont_size=16 if big else 12,
                                 hovertemplate=f"{where}<br>{label} = %{{z:.10g}}<extra></extra>"), row, 1)
        limit = _symmetric_limit(z)
        sub = fig.get_subplot(row, 1)
        (y0, y1), x_end = sub.yaxis.domain, sub.xaxis.domain[1]
        bar = dict(x=x_end + 0.02, xanchor="left", y=y0, yanchor="bottom", len=y1 - y0, thickness=14 if big else 12,
                   exponentformat="e", tickfont_size=18 if big else 12)
        if row == 1:
            bar["title"] = dict(text=label, side="top")
        pixels = top if row == 1 else strip
        if pixels < 200:  # a short bar: its ends (and 0, if there is room), which never overlap
            ticks = [-limit, 0.0, limit] if pixels >= 100 else [-limit, limit]
            bar.update(tickmode="array", tickvals=ticks, ticktext=[f"{v:.2g}" for v in ticks])
        fig.update_layout({axis: dict(colorscale=DIVERGING, cmin=-limit, cmax=limit, colorbar=bar)})
    axis = _index_axis(n_in, 6 if big else 10, "input i") if inputs is None else dict(
        tickmode="array", tickvals=list(rows), ticktext=list(inputs), title_text="input", showgrid=False,
        zeroline=False)
    fig.update_yaxes(axis, autorange="reversed", row=1, col=1)
    fig.update_xaxes(_index_axis(n_out, 6 if big else 10, "neuron j"), row=2, col=1)
    fig = _axis_fonts(_layout(fig, f"{layer}: {title}" if side == "values" else title, height, big), big)
    return fig.update_layout(margin=dict(t=t, b=10, r=90 if big else 70))


def neuron_summary(weights, dweights, biases, dbiases, *, layer, big=False):
    """A wide layer by neuron j: ‖dL/dw_j‖ over neuron j's incoming weights and |dL/db_j| on top,
    ‖w_j‖ and |b_j| below, on one neuron axis. A dead ReLU shows as a neuron without gradient."""
    n_out = np.shape(weights)[1]
    j = np.arange(n_out)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=("gradient per neuron j", "weights per neuron j"))
    # One colour per part of the neuron (its incoming weights, its bias), the same in both rows.
    parts = (("incoming weights w_ij (norm over inputs i)", "#333333", dweights, weights, True),
             ("bias b_j", "#E69F00", dbiases, biases, False))
    for name, color, grad, value, per_column in parts:
        size = summaries.neuron_norms if per_column else lambda v: np.abs(np.ravel(v))
        for row, values, symbol in ((1, size(grad), "‖dL/dw_j‖" if per_column else "|dL/db_j|"),
                                    (2, size(value), "‖w_j‖" if per_column else "|b_j|")):
            fig.add_bar(x=j, y=values, name=name, legendgroup=name, showlegend=row == 1, marker_color=color,
                        row=row, col=1, hovertemplate=f"neuron %{{x}}<br>{symbol} = %{{y:.10g}}<extra></extra>")
    fig.update_yaxes(title_text="‖dL/dw_j‖, |dL/db_j|", row=1, col=1)
    fig.update_yaxes(title_text="‖w_j‖, |b_j|", row=2, col=1)
    fig.update_yaxes(exponentformat="e", rangemode="tozero")
    fig.update_xaxes(_index_axis(n_out, 8 if big else 16), row=1, col=1)
    fig.update_xaxes(_index_axis(n_out, 8 if big else 16, "neuron j"), row=2, col=1)
    fig.update_annotations(font_size=20 if big else 15)
    fig.update_layout(barmode="group", bargap=0.15, legend=dict(orientation="h", y=-0.2))
    fig = _layout(fig, f"{layer}: the size of every neuron's gradient and weights", 560 if big else 480, big)
    return _axis_fonts(fig, big).update_layout(margin=dict(t=100 if big else 80))


WIDTH_BINS = (0.1, 0.3, 0.6)  # edge width steps, as shares of the largest |value| drawn


def network_diagram(sizes, weights, *, edge_values=None, edge_label="|w|", names=None, inputs=None, limit=16,
                    max_edges=64, big=False, height=None):
    """Neurons as columns of dots, an edge per weight: colour = sign of ``edge_values`` (the weights,
    or on a switch their gradients), width = its magnitude. A layer wider than ``limit`` draws the
    ``limit`` neurons with the largest incoming norm of ``edge_values`` (in index order) and says
    how many more there are; between two layers at most ``max_edges`` edges are drawn, the largest.
    ``inputs``: the inputs' names for their hover (x1, x2, x1², ...)."""
    edge_values = weights if edge_values is None else edge_values
    names = names or [f"dense{k + 1}" for k in range(len(sizes) - 1)]
    quantity = edge_label.strip("|")
    shown = [summaries.strongest_neurons(np.asarray(edge_values[0]).T, limit)]  # inputs: by outgoing norm
    shown += [summaries.strongest_neurons(V, limit) for V in edge_values]
    ys = [np.linspace(1, -1, len(s)) if len(s) > 1 else np.zeros(1) for s in shown]
    scale = max((float(np.abs(v).max()) for v in edge_values if v.size), default=1.0) or 1.0
    edges = np.array([0.0, *WIDTH_BINS, np.inf])
    widths = np.array([0.6, 1.5, 3.0, 5.0]) * (1.5 if big else 1.0)
    fig = go.Figure()
    for k, V in enumerate(edge_values):
        V = np.asarray(V, dtype=float)[np.ix_(shown[k], shown[k + 1])]
        strength = np.abs(V) / scale
        drawn = summaries.largest_mask(V, max_edges)
        if not drawn.all():
            fig.add_annotation(x=k + 0.5, y=1.02, yanchor="bottom", showarrow=False, font_size=16 if big else 12,
                               text=f"{max_edges} largest of {V.size} edges")
        for sign, color in ((1, POSITIVE), (-1, NEGATIVE)):
            for b, width in enumerate(widths):
                i, j = np.nonzero(drawn & (np.sign(V) == sign) & (strength >= edges[b]) & (strength < edges[b + 1]))
                if not len(i):
                    continue
                ex = np.column_stack([np.full(len(i), k), np.full(len(i), k + 1), np.full(len(i), np.nan)]).ravel()
                ey = np.column_stack([ys[k][i], ys[k + 1][j], np.full(len(i), np.nan)]).ravel()
                fig.add_scatter(x=ex, y=ey, mode="lines", line=dict(color=color, width=width), opacity=0.75,
                                hoverinfo="skip", showlegend=False)
    # The legend: what colour and width mean (traces without points, for their legend entries only).
    for sign, color in (("> 0", POSITIVE), ("< 0", NEGATIVE)):
        fig.add_scatter(x=[None], y=[None], mode="lines", line=dict(color=color, width=4), name=f"{quantity} {sign}")
    shares = ("< 10%", "10–30%", "30–60%", "≥ 60%")
    for share, width in zip(shares, widths):
        fig.add_scatter(x=[None], y=[None], mode="lines", line=dict(color="#777777", width=width),
                        name=f"{edge_label} {share} of {scale:.3g}")
    node = dict(size=16 if big else 11, color="white", line=dict(width=2, color="#222"))
    for k, idx in enumerate(shown):
        if k == 0:
            hover = [f"input {inputs[i]}" if inputs else f"input x{i}" for i in idx]
        else:
            w_norm, v_norm = summaries.neuron_norms(weights[k - 1]), summaries.neuron_norms(edge_values[k - 1])
            hover = [f"{names[k - 1]}, neuron {j}<br>‖incoming w‖ = {w_norm[j]:.10g}"
                     + (f"<br>‖incoming {quantity}‖ = {v_norm[j]:.10g}" if edge_values is not weights else "")
                     for j in idx]
        fig.add_scatter(x=np.full(len(idx), k), y=ys[k], mode="markers", marker=node, showlegend=False,
                        text=hover, hovertemplate="%{text}<extra></extra>")
        if sizes[k] > len(idx):
            fig.add_annotation(x=k, y=-1.12, yanchor="top", showarrow=False, font_size=18 if big else 13,
                               text=f"+{sizes[k] - len(idx)} more<br>(drawn: the {len(idx)} largest ‖{quantity}‖)")
    labels = [f"inputs ({sizes[0]})"] + [f"{n} ({size})" for n, size in zip(names, sizes[1:])]
    fig.update_xaxes(tickvals=list(range(len(sizes))), ticktext=labels, showgrid=False, zeroline=False,
                     range=[-0.4, len(sizes) - 0.6])
    fig.update_yaxes(visible=False, range=[-1.45, 1.15])
    fig.update_layout(legend=dict(orientation="h", y=-0.08, yanchor="top",
                                  title_text=f"Edges, colour: sign of {quantity}; width: "))
    fig = _layout(fig, f"Network: edges by {edge_label}", height or (560 if big else 480), big)
    return _axis_fonts(fig, big)


def gradient_norms(iterations, norms, current, *, big=False):
    """Per-layer ||dL/dW|| over time on a log axis: vanishing and exploding gradients show."""
    return curves(iterations, {f"‖dL/dW‖ {name}": v for name, v in norms.items()}, current,
                      title="Gradient norm per layer", big=big)


def weight_trace(iterations, values, gradients, current, *, name, big=False):
    """One weight's value and gradient over time (two stacked panels)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=(f"{name}: value", "gradient dL/dw"))
    fig.add_scatter(x=iterations, y=values, mode="lines+markers", line=dict(color=POSITIVE, width=2.5),
                    showlegend=False, row=1, col=1)
    fig.add_scatter(x=iterations, y=gradients, mode="lines+markers", line=dict(color=NEGATIVE, width=2.5),
                    showlegend=False, row=2, col=1)
    fig.add_vline(x=current, line=dict(color="#444", width=2, dash="dot"))
    fig.update_xaxes(title_text="iteration", row=2, col=1)
    return _layout(fig, f"{name} over time (sampled at checkpoints)", 420, big)


def fmt(x, digits=6):
    """A number as the notes print it when digits is None (repr), else to ``digits`` significant digits."""
    return repr(float(x)) if digits is None else f"{float(x):.{digits}g}"


def tex(x, digits=6):
    """``fmt`` for LaTeX: an exponent as a compact e-05 (plain "e-05" would be typeset e − 05, a subtraction)."""
    mantissa, _, exponent = fmt(x, digits).partition("e")
    return mantissa + (rf"\mathrm{{e}}{{{exponent[0]}}}{exponent[1:]}" if exponent else "")


NODE_W, NODE_H, COL_GAP, ROW_GAP = 176, 68, 44, 10  # the computation graph's boxes and gaps (SVG units)


def neuron_graph(record, digits=8, big=False):
    """The one-neuron lesson's computation graph in micrograd's style, as inline SVG (for st.markdown):
    each node shows its value (forward) and its gradient dLoss/dnode (backward), for one iteration, to
    ``digits`` significant digits (None: as Python prints them); hovering a node gives both in full.

    Laid out here, not by Graphviz: five fixed columns (inputs and weights, products, sum, ReLU, loss),
    so a Step changes only the numbers (Streamlit's Graphviz took 1.4 s a Step to lay it out again), and
    the drawing's width is the page's, its text scaling with it (``big``: larger type for a projector)."""
    f = lambda v: fmt(v, digits)  # noqa: E731
    x, w = record["inputs"], record["weights"]
    font = 19 if big else 16
    pitch = NODE_H + ROW_GAP
    nodes = {}  # name: (column, y of the top, label, value, grad, fill)
    for i in range(3):
        nodes[f"x{i}"] = (0, 2 * i * pitch, f"x{i}", x[i], record["dinputs"][i], "#eef5fb")
        nodes[f"w{i}"] = (0, (2 * i + 1) * pitch, f"w{i}", w[i], record["dweights"][i], "#fff4e0")
        nodes[f"mul{i}"] = (1, (2 * i + 0.5) * pitch, f"mul(x{i}, w{i})", record["mul"][i], record["dmul"][i],
                            "#ffffff")
    nodes["b"] = (0, 6 * pitch, "b", record["bias"], record["dbias"], "#fff4e0")
    middle = 3 * pitch
    nodes["sum"] = (2, middle, "sum", record["sum"], record["dloss_dsum"], "#ffffff")
    nodes["relu"] = (3, middle, "ReLU", record["relu"], record["dloss_drelu"], "#ffffff")
    nodes["loss"] = (4, middle, "loss = ReLU²", record["loss"], 1.0, "#e6f4ea")
    edges = [(f"{a}{i}", f"mul{i}") for i in range(3) for a in "xw"]
    edges += [(f"mul{i}", "sum") for i in range(3)] + [("b", "sum"), ("sum", "relu"), ("relu", "loss")]
    left = lambda col: col * (NODE_W + COL_GAP) + 2  # noqa: E731
    width, height = left(5) - COL_GAP + 2, 7 * pitch - ROW_GAP + 4
    parts = [f'<svg class="neuron-graph" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="Helvetica, Arial, sans-serif" font-size="{font}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for a, b in edges:
        (ca, ya, *_), (cb, yb, *_) = nodes[a], nodes[b]
        parts.append(f'<line x1="{left(ca) + NODE_W}" y1="{ya + NODE_H / 2 + 2}" x2="{left(cb) - 2}" '
                     f'y2="{yb + NODE_H / 2 + 2}" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>')
    line = NODE_H / 3
    for col, top, label, value, grad, fill in nodes.values():
        x0, y0 = left(col), top + 2
        parts.append(f'<g><title>{html.escape(label)}: value {fmt(value, None)}, grad {fmt(grad, None)}</title>'
                     f'<rect x="{x0}" y="{y0}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" '
                     f'stroke="#333" stroke-width="1.2"/>'
                     f'<line x1="{x0}" y1="{y0 + line}" x2="{x0 + NODE_W}" y2="{y0 + line}" stroke="#bbb"/>')
        for k, text in enumerate((label, f"value {f(value)}", f"grad {f(grad)}")):
            weight = ' font-weight="bold"' if k == 0 else ""
            parts.append(f'<text x="{x0 + NODE_W / 2}" y="{y0 + (k + 0.5) * line}" text-anchor="middle" '
                         f'dominant-baseline="central"{weight}>{html.escape(text)}</text>')
        parts.append("</g>")
    return "".join(parts) + "</svg>"


def loss_curve_svg(losses, current, *, title, big=False):
    """The loss at iterations 0..len-1 on a log axis, a marker at ``current`` (its loss in full on
    hover), as inline SVG for st.markdown: a lesson's Step redraws it at once (Plotly took 120 ms)."""
    losses = np.asarray(losses, dtype=float)
    positive = losses[losses > 0]
    floor = positive.min() if positive.size else 1.0
    logs = np.log10(np.maximum(losses, floor))
    lo, hi = np.floor(logs.min()), np.ceil(logs.max())
    hi = hi if hi > lo else lo + 1
    width, height, font = 1000, 300, 20 if big else 15
    left, right, top, bottom = 80, 20, 36, 48
    last = max(len(losses) - 1, 1)
    px = lambda i: left + (width - left - right) * i / last  # noqa: E731
    py = lambda v: top + (height - top - bottom) * (hi - v) / (hi - lo)  # noqa: E731
    parts = [f'<svg class="loss-curve" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="Helvetica, Arial, sans-serif" font-size="{font}">',
             f'<text x="{left}" y="{font + 4}" font-weight="bold">{html.escape(title)}</text>']
    step = max(1, int(np.ceil((hi - lo) / 6)))
    for e in np.arange(lo, hi + 1, step):
        y = py(e)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 8}" y="{y:.1f}" text-anchor="end" dominant-baseline="central">'
                     f'1e{int(e)}</text>')
    for i in range(0, last + 1, max(1, last // 4)):
        parts.append(f'<text x="{px(i):.1f}" y="{height - bottom + font + 6}" text-anchor="middle">{i}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 4}" text-anchor="middle" fill="#555">'
                 f'iteration</text>')
    points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(logs))
    parts.append(f'<polyline points="{points}" fill="none" stroke="{CLASS_COLORS[0]}" '
                 f'stroke-width="{4 if big else 2.5}"/>')
    x, y = px(current), py(logs[current])
    parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" stroke="#444" '
                 f'stroke-width="2" stroke-dasharray="4 4"/>'
                 f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{9 if big else 7}" fill="{CLASS_COLORS[0]}" stroke="black" '
                 f'stroke-width="2"><title>iteration {current}: loss {fmt(losses[current], None)}</title></circle>')
    return "".join(parts) + "</svg>"


def number_table(columns, rows, digits=10, limit=None):
    """An HTML table (for st.markdown) that wraps rather than cuts: numbers to ``digits`` significant
    digits, whole, each with its full value (as Python prints it) on hover; strings as given. With
    ``limit``, each number's cell is shaded on the colours of DIVERGING (0 white,
    + blue, - vermillion, full colour at |value| = limit): a heatmap that costs the browser nothing.
    The class "lesson-table" is styled by ui.controls.LESSON_CSS."""
    def cell(v):
        if isinstance(v, str):
            return f"<td>{html.escape(v)}</td>"
        style = ""
        if limit:
            share = min(1.0, abs(float(v)) / limit)
            rgb = 255 - (255 - _rgb(POSITIVE if v > 0 else NEGATIVE)) * 0.85 * share
            ink = "#ffffff" if share > 0.6 else "#111111"
            style = f' style="background: rgb({", ".join(str(int(c)) for c in rgb)}); color: {ink}"'
        return f'<td class="num" title="{fmt(v, None)}"{style}>{fmt(v, digits)}</td>'

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return (f'<div class="lesson-table-wrap"><table class="lesson-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table></div>')


def heat_table(matrix, row_labels, col_labels, digits=5, corner=""):
    """``number_table`` of a labelled matrix, shaded by value on a scale symmetric about 0."""
    matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
    rows = [[label, *values] for label, values in zip(row_labels, matrix)]
    return number_table([corner, *col_labels], rows, digits, limit=_symmetric_limit(matrix))


def draw_canvas(X, y, window, *, classes=5, targets=41, big=False):
    """Your data, editable: the points so far (marker shape and colour per class) over a
    lattice of faint click targets — Plotly reports clicks on points only, so every
    place you may click holds one."""
    (x0, x1), (y0, y1) = window
    gx, gy = np.meshgrid(np.linspace(x0, x1, targets), np.linspace(y0, y1, targets))
    fig = go.Figure()
    fig.add_scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name="click to add",
                    marker=dict(size=11, color="rgba(120,120,120,0.07)"), hovertemplate="add at (%{x:.2f}, %{y:.2f})"
                    "<extra></extra>", showlegend=False)
    for c in range(classes):
        pts = X[y == c] if len(X) else np.empty((0, 2))
        fig.add_scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {c}",
                        marker=dict(size=13 if big else 10, color=CLASS_COLORS[c], symbol=CLASS_MARKERS[c],
                                    line=dict(width=1.5, color="black")), hoverinfo="skip")
    fig.update_xaxes(range=[x0, x1], title_text="x1")
    fig.update_yaxes(range=[y0, y1], title_text="x2")
    fig.update_layout(clickmode="event+select", dragmode=False)
    return _layout(fig, "Click to add a point of the chosen class", 560, big)


def _rgb(hex_color):
    return np.array([int(hex_color[k:k + 2], 16) for k in (1, 3, 5)], dtype=float)


def boundary(probs, window, X, y, *, title, big=False, height=460):
    """Class-probability shading (each class's colour weighted by its probability, faded
    toward white where the network is unsure) with the points, one marker shape per class."""
    classes = probs.shape[-1]
    colors = np.array([_rgb(c) for c in CLASS_COLORS[:classes]])
    mix = probs @ colors
    confidence = (probs.max(axis=-1, keepdims=True) - 1 / classes) / (1 - 1 / classes)
    rgb = 255 - (255 - mix) * (0.25 + 0.5 * confidence)
    (x0, x1), (y0, y1) = window
    h, w = probs.shape[:2]
    fig = go.Figure(go.Image(z=rgb[::-1].astype(np.uint8), x0=x0, dx=(x1 - x0) / (w - 1), y0=y1,
                             dy=-(y1 - y0) / (h - 1), hoverinfo="skip"))
    for c in range(classes):
        pts = X[y == c]
        fig.add_scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {c}",
                        marker=dict(size=10 if big else 7, color=CLASS_COLORS[c], symbol=CLASS_MARKERS[c],
                                    line=dict(width=1, color="black")))
    fig.update_xaxes(range=[x0, x1], title_text="x1", showgrid=False)
    fig.update_yaxes(range=[y0, y1], title_text="x2", showgrid=False, autorange=None)
    return _layout(fig, title, height, big)


def fitted_curve(x, y, X, Y, *, title, big=False, height=460):
    """Regression: the data (X, Y) as points and the network's output ``y`` over ``x`` as a line."""
    fig = go.Figure()
    fig.add_scatter(x=X[:, 0], y=Y[:, 0], mode="markers", name="data",
                    marker=dict(size=6 if big else 4, color=CLASS_COLORS[0]))
    fig.add_scatter(x=x, y=y, mode="lines", name="network", line=dict(width=4 if big else 2.5, color=CLASS_COLORS[4]))
    fig.update_xaxes(title_text="x1")
    fig.update_yaxes(title_text="y")
    return _layout(fig, title, height, big)


def landscape(x, y, loss, paths, *, axis_titles, title, arrow=None, log=False, big=False, height=None):
    """A loss landscape: contours of ``loss`` (len(y), len(x)) over the grid axes ``x``, ``y`` (one
    scale on both axes, so a gradient looks perpendicular to its contour), with optimizer paths on it.

    ``paths``: [{"name", "xy" (k, 2), "iterations" (k,), "losses" (k,), optionally "current" (an index,
    default the last)}], each drawn as a line with that run's current iteration as a large marker;
    hover gives every point's iteration and loss. ``arrow``: (point (2,), vector (2,), label) drawn from
    the point. ``log``: colour by log10 of the loss (a network's loss spans decades over a plane);
    hover still gives the loss."""
    loss = np.asarray(loss, dtype=float)
    shown = np.log10(np.maximum(loss, 1e-12)) if log else loss
    colorbar = dict(title=dict(text="loss", side="right"), thickness=14)
    if log:
        ticks = _log_ticks(float(loss.min()), float(loss.max()))
        colorbar.update(tickvals=np.log10(ticks).tolist(), ticktext=[f"{t:.3g}" for t in ticks])
    traces = [dict(type="contour", x=x, y=y, z=shown, customdata=loss, colorscale="Viridis", ncontours=22,
                   contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.6, color="rgba(0,0,0,0.35)"),
                   colorbar=colorbar, name="landscape",
                   hovertemplate=f"{axis_titles[0]} %{{x:.4g}}<br>{axis_titles[1]} %{{y:.4g}}<br>loss "
                                 "%{customdata:.6g}<extra></extra>")]
    colors = ("#ffffff", "#E69F00")
    for k, path in enumerate(paths):
        xy, its, losses = np.asarray(path["xy"], float), np.asarray(path["iterations"]), np.asarray(path["losses"])
        data = np.stack([its, losses], axis=1)
        hover = path["name"] + "<br>iteration %{customdata[0]:d}<br>loss %{customdata[1]:.6g}<extra></extra>"
        color, now = colors[k % 2], path.get("current", len(xy) - 1)
        traces.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], customdata=data, name=path["name"],
                           mode="lines+markers", line=dict(color=color, width=4 if big else 3),
                           marker=dict(size=5 if big else 4, color=color), hovertemplate=hover))
        traces.append(dict(type="scatter", x=xy[now:now + 1, 0], y=xy[now:now + 1, 1], customdata=data[now:now + 1],
                           name=f"{path['name']}: iteration {int(its[now])}", mode="markers", hovertemplate=hover,
                           marker=dict(size=18 if big else 14, color=color, symbol="circle",
                                       line=dict(width=3, color="black"))))
    layout = _base_layout(title, height or (470 if big else 540), big)  # a projector: with its legend in 720 px
    layout.update(xaxis=dict(title=dict(text=axis_titles[0]), range=[float(x[0]), float(x[-1])], constrain="domain"),
                  yaxis=dict(title=dict(text=axis_titles[1]), range=[float(y[0]), float(y[-1])], scaleanchor="x",
                             scaleratio=1, constrain="domain"),
                  # A dark box: the paths are drawn light, to show on the dark end of the colour scale.
                  legend=dict(orientation="h", yanchor="top", y=-0.25 if big else -0.17, bgcolor="rgba(70,70,70,0.9)",
                              font=dict(color="white")))
    if arrow is not None:
        (px, py), (vx, vy), label = arrow
        line = dict(arrowcolor="#D55E00", arrowwidth=4 if big else 3, arrowhead=2, arrowsize=1.2)
        layout["annotations"] = [
            dict(x=px + vx, y=py + vy, ax=px, ay=py, xref="x", yref="y", axref="x", ayref="y", text="",
                 showarrow=True, **line),
            dict(x=px + vx, y=py + vy, xref="x", yref="y", text=label, showarrow=False, xanchor="left", xshift=12,
                 font=dict(color="#D55E00", size=20 if big else 15), bgcolor="rgba(255,255,255,0.85)")]
    return _axis_fonts(go.Figure(data=traces, layout=layout), big)


def _log_ticks(lo, hi, most=6):
    """Tick values for a log colour scale from ``lo`` to ``hi`` (> 0): 1, 2, 5 per decade, or finer
    (1, 1.2, 1.5, 2, 3, 4, 5, 7) over less than a decade, evenly over a narrow range; at most ``most``."""
    lo = max(lo, 1e-12)
    hi = max(hi, lo)
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    for mantissas in ((1, 2, 5), (1, 1.2, 1.5, 2, 3, 4, 5, 7), (1, 1.1, 1.2, 1.3, 1.4, 1.5, 2, 2.5, 3, 4, 5, 6, 8)):
        ticks = [m * 10.0**e for e in decades for m in mantissas if lo <= m * 10.0**e <= hi]
        if len(ticks) >= 3:
            break
    else:  # a narrow range (a loss that hardly changes over the plane): evenly, to 3 digits
        ticks = [t for t in (float(f"{v:.3g}") for v in np.linspace(lo, hi, 4)) if lo <= t <= hi]
    if len(ticks) > most:
        ticks = [ticks[k] for k in np.unique(np.linspace(0, len(ticks) - 1, most).round().astype(int))]
    return ticks or [lo]


# The neuron states' names, as nncore numbers them (nncore.WORKING, DEAD, SATURATED).
STATE_NAMES = {1: "dead", 2: "saturated"}
MARKED = "#9a9a9a"       # values of dead or saturated neurons: grey and hatched, as the stage greys dead maps
WORKING_COLOR = "#3b5b7a"


def _bins(values, lo, hi, n):
    """(counts, edges) of ``values`` in ``n`` equal bins over [lo, hi] (values outside are clipped in)."""
    return np.histogram(np.clip(values, lo, hi), bins=n, range=(lo, hi))


def _log_range(layers):
    """Whole decades (lo, hi) spanning every nonzero |dL/da| of ``layers``: one axis for all of them, so
    a decade further left is a layer whose gradients are 10 times smaller."""
    logs = [np.log10(np.abs(g[g != 0])) for g in (np.ravel(layer["grad"]) for layer in layers)]
    logs = np.concatenate(logs) if logs else np.empty(0)
    logs = logs[np.isfinite(logs)]
    if not logs.size:
        return -1.0, 0.0
    lo, hi = float(np.floor(logs.min())), float(np.ceil(logs.max()))
    return lo, hi if hi > lo else lo + 1


def _activation_range(name, a):
    """The activation's own range where it has one (sigmoid and softmax 0..1, tanh -1..1), else the data's."""
    if name in ("sigmoid", "softmax"):
        return 0.0, 1.0
    if name == "tanh":
        return -1.0, 1.0
    lo, hi = float(np.min(a)), float(np.max(a))
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _bin_hover(edges, fmt):
    """Each bin's range as hover text."""
    return [f"from {fmt(lo)} to {fmt(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]


def layer_histograms(layers, *, log_gradients=True, log_counts=False, big=False):
    """Per Dense layer (a row), the histogram of its activations a over the batch (left) and of the gradient
    the next layer sends back, dL/da (right; dL/dz for the output layer): every sample and neuron one count.

    ``layers``: nncore's ``Network.layer_values()`` ({"name", "activation", "a", "grad", "state"}).
    ``log_gradients``: the gradients by log10 |value| on one axis for all layers (whole decades: a
    vanishing gradient shows as each layer's pile sitting decades left of the next one's; exact zeros, which
    have no logarithm, in a bar of their own marked 0 at the left), else by value on one symmetric linear
    axis (the vanishing layers then pile at 0). Counts linear, or with ``log_counts`` on a log axis up to
    every value of the layer (a pile of dead ReLUs' zeros then leaves the rest visible). Values of dead or
    saturated neurons are stacked on top, grey and hatched; each row's title counts those neurons. Hover
    gives each bin's exact range and count."""
    n_layers = len(layers)
    panel, gap, top, bottom = (150, 78, 120, 70) if big else (130, 64, 100, 60)
    height = n_layers * panel + (n_layers - 1) * gap + top + bottom
    fig = make_subplots(rows=n_layers, cols=2, horizontal_spacing=0.1 if big else 0.08,
                        vertical_spacing=gap / (height - top - bottom))
    zero_at = None
    if log_gradients:
        g_lo, g_hi = _log_range(layers)
        g_bins = int(np.clip(4 * (g_hi - g_lo), 12, 60))
        if any(np.any(np.asarray(layer["grad"]) == 0) for layer in layers):
            zero_at = g_lo - 1          # a slot of its own, a decade's width left of the smallest
        g_show = (g_lo - 1.6 if zero_at is not None else g_lo, g_hi)
    else:
        g_hi = _symmetric_limit(*[layer["grad"] for layer in layers])
        g_lo, g_bins = -g_hi, 31
        g_show = (g_lo, g_hi)
    shown_legend = set()
    for row, layer in enumerate(layers, start=1):
        a, grad, state = np.asarray(layer["a"], float), np.asarray(layer["grad"], float), np.asarray(layer["state"])
        marked = state != 0
        a_lo, a_hi = _activation_range(layer["activation"], a)
        last = row == n_layers
        symbol = "dL/dz" if last else "dL/da"
        g_values = np.log10(np.abs(grad), where=grad != 0, out=np.full(grad.shape, -np.inf)) if log_gradients \
            else grad
        for col, values, lo, hi, bins, what in ((1, a, a_lo, a_hi, 30, "a"),
                                                (2, g_values, g_lo, g_hi, g_bins, f"|{symbol}|" if log_gradients
                                                 else symbol)):
            logged = col == 2 and log_gradients
            for group, mask, color, pattern in (("working neurons", ~marked, WORKING_COLOR, ""),
                                                ("dead or saturated neurons", marked, MARKED, "/")):
                if not mask.any():
                    continue
                v = values[:, mask].ravel()
                finite = v[np.isfinite(v)] if logged else v
                counts, edges = _bins(finite, lo, hi, bins)
                x, widths = (edges[:-1] + edges[1:]) / 2, np.full(len(counts), edges[1] - edges[0])
                hover = _bin_hover(10.0 ** edges if logged else edges, lambda e: f"{e:.4g}")
                if logged and zero_at is not None:
                    x, widths = np.r_[zero_at, x], np.r_[0.6, widths]
                    counts, hover = np.r_[len(v) - len(finite), counts], ["exactly 0"] + hover
                fig.add_bar(x=x, y=counts, width=widths, customdata=hover, name=group, legendgroup=group,
                            showlegend=group not in shown_legend,
                            marker=dict(color=color, line_width=0, pattern_shape=pattern),
                            hovertemplate=f"{layer['name']}, {group}<br>{what} %{{customdata}}<br>%{{y}} values"
                                          "<extra></extra>", row=row, col=col)
                shown_legend.add(group)
        fig.update_xaxes(range=[a_lo, a_hi], row=row, col=1)
        if log_gradients:
            decades = np.arange(g_lo, g_hi + 1)
            ticks = decades[::max(1, int(np.ceil(len(decades) / (5 if big else 6))))]
            labels = [f"1e{int(t)}" for t in ticks]
            if zero_at is not None:
                ticks, labels = np.r_[zero_at, ticks], ["0"] + labels
            fig.update_xaxes(range=list(g_show), tickvals=ticks, ticktext=labels, row=row, col=2)
        else:
            fig.update_xaxes(range=list(g_show), exponentformat="e", row=row, col=2)
        counts = [f"{int(np.count_nonzero(state == code))} of {len(state)} {name}"
                  for code, name in STATE_NAMES.items() if np.any(state == code)]
        title = f"<b>{layer['name']}</b> · {len(state)} {layer['activation']}" + (" (output)" if last else "")
        title += "".join(f" · {c}" for c in counts)
        domain = fig.get_subplot(row, 1).yaxis.domain
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=domain[1], yref="paper", yanchor="bottom",
                           yshift=4, showarrow=False, text=title, font_size=18 if big else 14, align="left")
    # Short, and from each column's left edge: on a phone each column is 170 px wide.
    heads = ("activations a", "|dL/da|, log axis" if log_gradients else "gradients dL/da")
    for col, head in enumerate(heads, start=1):
        fig.add_annotation(x=fig.get_subplot(1, col).xaxis.domain[0], xref="paper", xanchor="left", y=1, yref="paper",
                           yanchor="bottom", yshift=30 if big else 26, showarrow=False, text=f"<b>{head}</b>",
                           font_size=19 if big else 15)
    if log_counts:  # from 0.5, so a bin of 1 still shows
        fig.update_yaxes(type="log", dtick=1, rangemode="normal", autorange=False)
        for row, layer in enumerate(layers, start=1):
            most = np.size(layer["a"])
            fig.update_yaxes(range=[np.log10(0.5), np.log10(most) + 0.1], row=row)
    else:
        fig.update_yaxes(rangemode="tozero", nticks=4)
    fig.update_xaxes(nticks=6 if big else 7)
    # The legend just under the last row's tick labels.
    fig.update_layout(barmode="stack", bargap=0, legend=dict(orientation="h", yanchor="top",
                                                             y=-(34 if big else 28) / (height - top - bottom)))
    fig = _layout(fig, "The batch's values, layer by layer", height, big)
    return _axis_fonts(fig, big).update_layout(margin=dict(t=top, b=bottom))
