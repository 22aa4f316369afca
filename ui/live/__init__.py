"""Live training view: decision boundary + loss curve drawn on <canvas>.

A Streamlit components-v2 component (no iframe). The browser plays batches of
frames at ``fps`` (slower while less than half a batch is queued, so a late
batch slows the film instead of freezing it) and asks for the next batch itself
(backpressure) by firing the ``need_frames`` trigger with the ``seq`` it has
just queued; pass
``on_need_frames`` to react to it. Mount it inside an ``st.fragment`` so that
request reruns only the fragment.

Payload (``data``) fields::

    seq: int                 id of this batch; a repeated seq is ignored while playing
    playing: bool            False -> draw the last frame now (step / rewind / pause)
    hold: bool               optional, with playing False: Pause. A view still playing its queue
                             stops on the frame it shows (no jump to the newest one) and fires
                             the ``paused_at`` trigger with that frame's iteration
    fps: int                 frames shown per second while playing
    grid: {w, h, x0, x1, y0, y1}   probabilities sampled at linspace(x0, x1, w) etc.
    classes: int
    points: {x: [...], y: [...], c: [...], test: [0/1 ...]}
    frames: [{iteration, probs (encode_probs), loss, acc, test_loss, test_acc}, ...]
    history: {it: [...], loss: [...], test_loss: [...]}  up to the first frame
    presentation: bool       larger fonts / thicker lines
    log_y: bool              optional, log-scale loss axis
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

_HERE = Path(__file__).parent

# Immutable module-level constants only: one process serves every session.
_HTML = (_HERE / "live.html").read_text(encoding="utf-8")
_CSS = (_HERE / "live.css").read_text(encoding="utf-8")
_JS = (_HERE / "live.js").read_text(encoding="utf-8")

# Inline strings (not paths): file paths would need a packaged asset_dir.
_component = st.components.v2.component("backprop_lab_live_view", html=_HTML, css=_CSS, js=_JS)

# Softmax output can overshoot [0, 1] by float rounding; tolerate that, not more.
_TOL = 1e-6


def encode_probs(probs: np.ndarray) -> str:
    """Encode class probabilities of shape (h, w, classes) as base64 uint8.

    Each value becomes ``round(p * 255)``; row 0 is the bottom row (y0).
    """
    a = np.asarray(probs)
    if a.ndim != 3:
        raise ValueError(f"probs must have shape (h, w, classes); got {a.ndim}-D shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"probs must not be empty; got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"probs must be numeric; got dtype {a.dtype}")
    a = a.astype(np.float64, copy=False)
    if not np.isfinite(a).all():
        raise ValueError("probs must be finite (found NaN or inf)")
    lo, hi = float(a.min()), float(a.max())
    if lo < -_TOL or hi > 1 + _TOL:
        raise ValueError(f"probs must lie in [0, 1]; got min {lo:.6g}, max {hi:.6g}")
    q = np.rint(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)
    return base64.b64encode(q.tobytes(order="C")).decode("ascii")


def _to_builtin(o: Any) -> Any:
    """json.dumps fallback for numpy values."""
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"live_view data is not JSON-serializable: {type(o).__name__}")


def _noop() -> None:
    pass


def live_view(
    data: dict,
    *,
    key: str,
    on_need_frames: Callable[[], None] | None = None,
    on_paused_at: Callable[[], None] | None = None,
    height: int = 420,
):
    """Mount the live view and return the component result.

    ``key`` must stay the same across reruns: it keeps the browser-side
    component (and its frame queue) alive instead of remounting it.
    ``result.need_frames`` holds the seq the browser asked to follow up, and
    ``result.paused_at`` the iteration it stopped on, on the rerun that the
    trigger caused (None otherwise; also ``st.session_state[key]`` in callbacks).
    """
    if not isinstance(data, dict):
        raise ValueError(f"data must be a dict; got {type(data).__name__}")
    for field in ("seq", "grid", "classes", "frames"):
        if field not in data:
            raise ValueError(f"data is missing required field {field!r}")
    # Streamlit would silently stringify the whole payload if a numpy scalar
    # slipped in (json.dumps TypeError fallback), so normalise it here.
    clean = json.loads(json.dumps(data, default=_to_builtin))
    return _component(
        key=key,
        data=clean,
        height=height,
        # The callback must be registered for the trigger to show up at all.
        on_need_frames_change=on_need_frames or _noop,
        on_paused_at_change=on_paused_at or _noop,
    )


__all__ = ["encode_probs", "live_view"]
