"""The stage: the network, the decision boundary and the loss curve, live, drawn on <canvas>.

A Streamlit components-v2 component (no iframe). The browser plays batches of
frames at ``fps`` (slower while less than half a batch is queued, so a late
batch slows the film instead of freezing it) and asks for the next batch itself
(backpressure) by firing the ``need_frames`` trigger with the ``seq`` it has
just queued; the page answers on the rerun that trigger causes. Mount it inside
an ``st.fragment`` so that request reruns only the fragment.

The JavaScript is a few ES modules in this folder: ``player.js`` (what to show
when; no DOM, unit-tested with ``node --test tests/js/``), ``theme.js``,
``axes.js``, ``boundary.js``, ``loss.js`` (drawing) and ``live.js`` (the entry,
whose default export Streamlit calls). Streamlit 1.67 serves component files by
path only for an installed package that declares an ``asset_dir`` in its
``pyproject.toml``, and it sends an inline ``js=`` string with every run that
draws the component: 58 KB with every batch of frames, a third of what a
playing session was sent. So ``bundle`` joins the modules into one ES module
at import and writes it to ``static/stage.js`` (a build product, not in git;
the Docker image builds it with ``python -m ui.live``), which
``server.enableStaticServing`` serves once and the browser caches; the
component's inline code is a loader of a few hundred bytes that imports it
(``?v=`` + its hash, so a new version is never a stale cache). Should the file
be unwritable or static serving off, the whole bundle goes inline as before.
``bundle`` follows a convention it checks (and raises on):

* ``MODULES`` lists the files in load order, the entry last;
* a module imports only from siblings listed before it, one line each:
  ``import { a, b } from "./x.js";`` (these lines are dropped);
* ``export`` appears only as ``export function|class|const name`` (the keyword
  is dropped; top-level names must differ across modules) and, in the entry
  only, ``export default`` (kept).

The pacing numbers both players need (this one and the load test's,
tests/support/protocol.py) are defined once, in ``PACING``, and travel in every
payload as ``pacing``.

Payload (``data``) fields::

    seq: int                 id of this batch; a repeated seq is ignored while playing
    playing: bool            False -> draw the last frame now (step / rewind / pause)
    hold: bool               optional, with playing False: Pause. A view still playing its queue
                             stops on the frame it shows (no jump to the newest one) and fires
                             the ``paused_at`` trigger with that frame's iteration
    phases: bool             optional, with playing False and two frames (iterations n - 1 and n):
                             one Step; animate forward, backward and update from the first to the second
    fps: int                 frames shown per second while playing
    grid: {w, h, x0, x1, y0, y1}   where the browser samples the network: linspace(x0, x1, w) etc.
    task: "classification" | "regression"   regression: one input x, a linear output y, the points are
                             (x, target) with c 0, the grid is one row (h 1) and the middle panel draws
                             the fitted curve
    classes: int             1 for a regression
    net: {inputs: ["x1", "x2", ...], features: [...], layers: [{name, n_in, n, activation}, ...]}
                             the architecture (ui.run.architecture): the first layer's inputs' labels,
                             the feature names (nncore.FEATURES) forward.js computes from (x1, x2)
    points: {x: [...], y: [...], c: [...], test: [0/1 ...]}   training points first
    frames: [{iteration, loss, reg_loss, acc, test_loss, test_acc, lr,
              params, grads (encode_floats: every Dense layer's weights then biases; dweights, dbiases),
              activity, grad (encode_floats: n per layer; see nncore.Network.neuron_summaries),
              state (encode_floats: n per layer, 0 working, 1 dead, 2 saturated on the batch; see
              nncore.Network.neuron_states), batch (int: the batch's samples),
              input_grads (optional, encode_floats: -dL_s/dx_s, n_inputs per training point)}, ...]
    history: {it: [...], loss: [...], test_loss: [...]}  up to the first frame
    view: {mode: "weights" | "gradients", arrows: bool, phases_ms: int}   the stage's switches
    message: str             optional, shown by the stage (why play stopped)
    presentation: bool       larger fonts / thicker lines
    log_y: bool              optional, log-scale loss axis
    pacing: PACING           added by ``live_view``

The browser computes the pictures from the parameters (ui/live/forward.js: every neuron's map and the
class probabilities over the grid), so the server sends a few kilobytes a frame and computes no grid.
The stage's switches come back through the ``view`` trigger, and a click on an edge through ``pick``
({layer, i, j}: that weight, for the one-weight drill-down).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import streamlit as st

_HERE = Path(__file__).parent

# Immutable module-level constants only: one process serves every session.

# Playback pacing, read by player.js and by the load test's player from each payload.
PACING = MappingProxyType({
    "min_fps": 4,           # slowest playback, frames/s (a frame on screen 1/4 s at most): a late batch slows
                            # the film, never freezes it; as a share of fps (1/8) a busy film at 12 fps
                            # held each frame 0.67 s
    "full_share": 0.5,      # full fps while at least this share of the last batch is queued ...
    "full_min": 2,          # ... and at least this many frames
    "max_catchup": 3,       # frames shown at once when late (a hidden tab) before resetting the clock
    "ask_seconds": 0.5,     # ask for the next batch when less than this much play is queued ...
    "ask_min": 2,           # ... or fewer than this many frames (or fewer than one more batch)
    "lost_after_s": 5.0,    # ask again only after starving this long: the answer seems lost
    "fps_min": 1,
    "fps_max": 120,
    "fps_default": 20,      # when the payload has no fps
})

MODULES = ("player.js", "forward.js", "theme.js", "scales.js", "netview.js", "axes.js", "boundary.js", "loss.js",
           "live.js")

_SIBLING_IMPORT = re.compile(r'^import \{[^}]*\} from "\./([\w.-]+)";[ \t]*\n', re.M)
_NAMED_EXPORT = re.compile(r"^export (?=(?:async )?(?:function|class|const) )", re.M)
_DEFAULT_EXPORT = re.compile(r"^export default ", re.M)
_LEFTOVER = re.compile(r"^[ \t]*(?:import|export)\b.*$", re.M)


def bundle(modules: Sequence[tuple[str, str]]) -> str:
    """Join ``(file name, source)`` pairs, in load order with the entry last, into one ES module.

    Raises ValueError where a source breaks the convention in this module's docstring.
    """
    if not modules:
        raise ValueError("no modules to bundle")
    seen: set[str] = set()
    parts = []
    for k, (name, src) in enumerate(modules):
        for dep in _SIBLING_IMPORT.findall(src):
            if dep not in seen:
                raise ValueError(f"{name} imports {dep}, which is not listed before it")
        body = _NAMED_EXPORT.sub("", _SIBLING_IMPORT.sub("", src))
        defaults = len(_DEFAULT_EXPORT.findall(body))
        entry = k == len(modules) - 1
        if defaults != (1 if entry else 0):
            raise ValueError(f"{name} has {defaults} default exports; only the entry (last) has one, exactly")
        leftover = [m for m in _LEFTOVER.findall(body) if not m.startswith("export default ")]
        if leftover:
            raise ValueError(f"{name}: import/export not of the bundle's forms: {leftover[0].strip()!r}")
        parts.append(f"// ---- {name}\n{_compact(body)}")
        seen.add(name)
    return "\n".join(parts)


_TRAILING_COMMENT = re.compile(r"\s+//\s.*$")


def _compact(src: str) -> str:
    """Drop comment lines, trailing ``// `` comments, indentation and blank lines: Streamlit sends the
    component's code with every run that draws it (a batch of frames while playing), so every byte
    counts ~24 times a second of film. Safe for this code: no string or regex literal holds "// " or
    spans lines (template literals included); line breaks stay, so automatic semicolons do too."""
    out = []
    for line in src.split("\n"):
        line = line.strip()
        if line and not line.startswith("//"):
            out.append(_TRAILING_COMMENT.sub("", line))
    return "\n".join(out)


_HTML = (_HERE / "live.html").read_text(encoding="utf-8")
_CSS = (_HERE / "live.css").read_text(encoding="utf-8")
_JS = bundle([(name, (_HERE / name).read_text(encoding="utf-8")) for name in MODULES])
STATIC_JS = _HERE.parent.parent / "static" / "stage.js"   # served at app/static/stage.js


def loader(url: str) -> str:
    """The component's inline code when the bundle is served at ``url`` (resolved against the page's
    address: the inline code runs from a blob: URL, which has no base): import it once, then hand every
    render to its default export (a failed import says so in the component, not only in the console)."""
    return f"""let stage = null;
export default function (args) {{
  stage = stage || import(new URL({json.dumps(url)}, globalThis.location?.href).href);
  let cleanup = null, gone = false;
  stage.then((m) => {{ if (!gone) cleanup = m.default(args); }}).catch((e) => {{
    stage = null;
    args.parentElement.textContent = "The stage's script did not load (" + e + "). Reload the page.";
  }});
  return () => {{ gone = true; if (typeof cleanup === "function") cleanup(); }};
}}
"""


def write_static() -> bool:
    """Make ``static/stage.js`` this bundle (atomically: replicas starting together may race); False if
    the folder is not writable and the file is not already current."""
    try:
        if STATIC_JS.is_file() and STATIC_JS.read_text(encoding="utf-8") == _JS:
            return True
        STATIC_JS.parent.mkdir(exist_ok=True)
        part = STATIC_JS.with_name(f".{STATIC_JS.name}.{os.getpid()}")
        part.write_text(_JS, encoding="utf-8")
        os.replace(part, STATIC_JS)
        return True
    except OSError:
        return False


def _entry_js() -> str:
    """The loader if Streamlit serves ``static/stage.js`` and it is this bundle, else the bundle itself."""
    if not (st.get_option("server.enableStaticServing") and write_static()):
        return _JS
    base = "/".join(p for p in str(st.get_option("server.baseUrlPath") or "").split("/") if p)
    version = hashlib.sha256(_JS.encode()).hexdigest()[:12]
    return loader(f"{'/' + base if base else ''}/app/static/stage.js?v={version}")


_component = st.components.v2.component("backprop_lab_live_view", html=_HTML, css=_CSS, js=_entry_js())

def encode_floats(arrays) -> str:
    """Encode arrays (any shapes, C order, one after another) as base64 of little-endian float64:
    the parameters a frame carries, exactly (ui/live/forward.js decodes them)."""
    parts = [np.asarray(a, dtype="<f8").ravel() for a in arrays]
    flat = np.concatenate(parts) if parts else np.empty(0, "<f8")
    if not np.isfinite(flat).all():
        raise ValueError("frame values must be finite (found NaN or inf)")
    return base64.b64encode(flat.tobytes()).decode("ascii")


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
    on_paused_at: Callable[[], None] | None = None,
    on_view: Callable[[], None] | None = None,
    on_pick: Callable[[], None] | None = None,
    height: int = 420,
):
    """Mount the live view and return the component result.

    ``key`` must stay the same across reruns: it keeps the browser-side
    component (and its frame queue) alive instead of remounting it.
    ``result.need_frames`` holds the seq the browser asked to follow up, and
    ``result.paused_at`` the iteration it stopped on, on the rerun that the
    trigger caused (also ``st.session_state[key]`` in callbacks). Outside a
    running app (no script run context) the result is empty.
    """
    if not isinstance(data, dict):
        raise ValueError(f"data must be a dict; got {type(data).__name__}")
    for field in ("seq", "grid", "classes", "frames"):
        if field not in data:
            raise ValueError(f"data is missing required field {field!r}")
    # Streamlit would silently stringify the whole payload if a numpy scalar
    # slipped in (json.dumps TypeError fallback), so normalise it here.
    clean = json.loads(json.dumps({**data, "pacing": dict(PACING)}, default=_to_builtin))
    return _component(
        key=key,
        data=clean,
        height=height,
        # The callback must be registered for the trigger to show up at all.
        on_need_frames_change=_noop,
        on_paused_at_change=on_paused_at or _noop,
        on_view_change=on_view or _noop,
        on_pick_change=on_pick or _noop,
    )


__all__ = ["MODULES", "PACING", "STATIC_JS", "bundle", "encode_floats", "live_view", "loader", "write_static"]
