"""Pure figure builders: data in, a Plotly figure or Graphviz DOT source out.

They read no session state and compute no gradients; every number they draw was
computed by nncore and is passed in.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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
        xaxis=dict(title=dict(text="iteration")),
        yaxis=dict(type="log" if log_y else "linear", exponentformat="power"),
        legend=dict(orientation="h", y=-0.25))
    return go.Figure(data=traces, layout=layout)


def matrix_heatmap(matrix, *, title, row_labels=None, col_labels=None, fmt=".4g", big=False, height=None):
    """A labelled heatmap with the values written in the cells; 0 is white, + blue, - vermillion."""
    matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
    rows, cols = matrix.shape
    row_labels = row_labels or [str(i) for i in range(rows)]
    col_labels = col_labels or [str(j) for j in range(cols)]
    fig = go.Figure(_heatmap_trace(matrix, row_labels, col_labels, fmt, cols * rows <= 64))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height or max(180, 48 * rows + 90), big)


def _heatmap_trace(matrix, row_labels, col_labels, fmt, show_text, showscale=False):
    limit = float(np.nanmax(np.abs(matrix))) if matrix.size and np.isfinite(matrix).any() else 1.0
    return go.Heatmap(z=matrix, x=col_labels, y=row_labels, colorscale=DIVERGING, zmin=-limit or -1,
                      zmax=limit or 1, showscale=showscale, xgap=2, ygap=2,
                      texttemplate=f"%{{z:{fmt}}}" if show_text else None, textfont=dict(size=14),
                      hovertemplate="%{y}, %{x}<br>%{z:.10g}<extra></extra>")


def gradient_inspector(weights, dweights, biases, dbiases, *, layer, big=False):
    """W, dL/dW, b and dL/db side by side; rows = input i, columns = neuron j."""
    n_in, n_out = weights.shape
    rows = [f"x{i}" for i in range(n_in)]
    cols = [f"n{j}" for j in range(n_out)]
    fig = make_subplots(rows=1, cols=4, column_widths=[0.36, 0.36, 0.14, 0.14], horizontal_spacing=0.05,
                        subplot_titles=(f"{layer}.weights  W", "dL/dW", "biases  b", "dL/db"))
    show = n_out <= 8 and n_in <= 16  # values written in the cells only while they stay legible
    fig.add_trace(_heatmap_trace(weights, rows, cols, ".3g", show), 1, 1)
    fig.add_trace(_heatmap_trace(dweights, rows, cols, ".2e", show), 1, 2)
    fig.add_trace(_heatmap_trace(biases.T, cols, ["b"], ".3g", n_out <= 24), 1, 3)
    fig.add_trace(_heatmap_trace(dbiases.T, cols, ["dL/db"], ".2e", n_out <= 24), 1, 4)
    for c in (1, 2, 3, 4):
        fig.update_yaxes(autorange="reversed", row=1, col=c)
    fig.update_xaxes(title_text="neuron j", row=1, col=1)
    fig.update_xaxes(title_text="neuron j", row=1, col=2)
    fig.update_yaxes(title_text="input i", row=1, col=1)
    # Biases are one per neuron: shown as a column, neuron j down the side.
    fig.update_yaxes(title_text="neuron j", row=1, col=3)
    height = min(900, max(260, 30 * max(n_in, n_out) + 120))
    return _layout(fig, f"Gradient inspector: {layer}", height, big)


def network_diagram(sizes, weights, *, edge_values=None, edge_label="|w|", big=False, height=420):
    """Neurons as columns of dots; an edge per weight, coloured by the sign of the weight,
    width by |edge_values| (the weights themselves, or on a switch the gradients)."""
    edge_values = weights if edge_values is None else edge_values
    fig = go.Figure()
    xs = np.arange(len(sizes))
    ys = [np.linspace(-1, 1, n) if n > 1 else np.zeros(1) for n in sizes]
    scale = max((float(np.abs(v).max()) for v in edge_values if v.size), default=1.0) or 1.0
    bins = np.array([0.1, 0.3, 0.6, 1.01])
    widths = np.array([0.5, 1.5, 3.0, 5.0]) * (1.6 if big else 1.0)
    for layer, (W, V) in enumerate(zip(weights, edge_values)):
        strength = np.abs(V) / scale
        for sign, color in ((1, POSITIVE), (-1, NEGATIVE)):
            for b, width in enumerate(widths):
                lo = bins[b - 1] if b else 0.0
                mask = (np.sign(W) == sign) & (strength >= lo) & (strength < bins[b])
                i, j = np.nonzero(mask)
                if not len(i):
                    continue
                ex = np.column_stack([np.full(len(i), xs[layer]), np.full(len(i), xs[layer + 1]),
                                      np.full(len(i), np.nan)]).ravel()
                ey = np.column_stack([ys[layer][i], ys[layer + 1][j], np.full(len(i), np.nan)]).ravel()
                fig.add_scatter(x=ex, y=ey, mode="lines", line=dict(color=color, width=width),
                                opacity=0.75, hoverinfo="skip", showlegend=False)
    for layer, n in enumerate(sizes):
        fig.add_scatter(x=np.full(n, xs[layer]), y=ys[layer], mode="markers", showlegend=False,
                        marker=dict(size=16 if big else 11, color="white", line=dict(width=2, color="#222")),
                        hovertemplate=f"layer {layer}, neuron %{{pointNumber}}<extra></extra>")
    labels = ["inputs"] + [f"dense{k + 1}" for k in range(len(sizes) - 1)]
    fig.update_xaxes(tickvals=list(xs), ticktext=labels, showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False)
    title = f"Network: blue = positive weight, vermillion = negative, width = {edge_label}"
    return _layout(fig, title, height, big)


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


def neuron_graph(record, digits=None):
    """Graphviz DOT of the one-neuron lesson in micrograd's style: each node shows its
    value (forward) and its gradient dLoss/dnode (backward), for one iteration."""
    f = lambda v: fmt(v, digits)  # noqa: E731
    x, w = record["inputs"], record["weights"]
    lines = ['digraph G {', 'rankdir=LR; bgcolor="transparent";',
             'node [shape=record, fontname="Helvetica", fontsize=16, style="rounded,filled", fillcolor="#ffffff"];',
             'edge [color="#555555"];']

    def node(name, label, value, grad, fill="#ffffff"):
        lines.append(f'{name} [label="{label} | value {f(value)} | grad {f(grad)}", fillcolor="{fill}"];')

    for i in range(3):
        node(f"x{i}", f"x{i}", x[i], record["dinputs"][i], "#eef5fb")
        node(f"w{i}", f"w{i}", w[i], record["dweights"][i], "#fff4e0")
        node(f"mul{i}", f"mul(x{i}, w{i})", record["mul"][i], record["dmul"][i])
        lines += [f"x{i} -> mul{i};", f"w{i} -> mul{i};", f"mul{i} -> sum;"]
    node("b", "b", record["bias"], record["dbias"], "#fff4e0")
    node("sum", "sum", record["sum"], record["dloss_dsum"])
    node("relu", "ReLU", record["relu"], record["dloss_drelu"])
    node("loss", "loss = ReLU²", record["loss"], 1.0, "#e6f4ea")
    lines += ["b -> sum;", "sum -> relu;", "relu -> loss;", "}"]
    return "\n".join(lines)


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
