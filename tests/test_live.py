"""Tests for the Python side of ui.live: the frames' encoding, the payload, the JS bundle.

The player itself is tested by `node --test tests/js/`; the drawing in Chromium by tests/browser.
"""

import base64
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ui.live
from ui.live import MODULES, PACING, bundle, encode_floats, live_view

REPO = Path(__file__).resolve().parents[1]
LIVE_DIR = REPO / "ui" / "live"


def node():
    """Path of `node`; CI (CI=true) must have it (.ci/run runs the JS tests), elsewhere skip."""
    path = shutil.which("node")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node not found: the live view's JS tests need Node 20+", pytrace=False)
        pytest.skip("node not found")
    return path


def _decode(s: str) -> bytes:
    return base64.b64decode(s, validate=True)


def test_floats_round_trip_exactly_in_c_order():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(2, 3)), rng.normal(size=(1, 3))
    raw = _decode(encode_floats([w, b]))
    # Independent expectation: struct-packed little-endian doubles, w row by row, then b.
    expected = struct.pack("<9d", *w[0], *w[1], *b[0])
    assert raw == expected


def test_floats_of_any_dtype_and_layout():
    a = np.arange(6, dtype=np.float32).reshape(2, 3).T  # (3, 2), not C-contiguous
    assert struct.unpack("<6d", _decode(encode_floats([a]))) == (0.0, 3.0, 1.0, 4.0, 2.0, 5.0)
    assert encode_floats([]) == ""


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_floats_raise(bad):
    with pytest.raises(ValueError, match="finite"):
        encode_floats([np.array([1.0, bad])])


def test_live_view_validates_payload_without_a_running_app():
    with pytest.raises(ValueError, match="dict"):
        live_view([1, 2], key="k")
    with pytest.raises(ValueError, match="'frames'"):
        live_view({"seq": 1, "grid": {}, "classes": 2}, key="k")


def test_live_view_outside_streamlit_returns_empty_result():
    # No script run context: Streamlit returns an empty result instead of mounting.
    data = {"seq": 1, "grid": {}, "classes": 2, "frames": []}
    result = live_view(data, key="k")
    assert dict(result) == {}


def test_live_view_sends_a_plain_json_payload_with_the_pacing(monkeypatch):
    sent = {}
    monkeypatch.setattr(ui.live, "_component", lambda **kw: sent.update(kw) or "result")
    data = {"seq": np.int64(3), "grid": {"w": np.int32(2)}, "classes": 2,
            "frames": [{"iteration": 4, "loss": np.float32(0.5), "probs": np.array([0.25, 1.0])}]}
    assert live_view(data, key="k", height=300) == "result"
    clean = sent["data"]
    # numpy values became plain JSON numbers (a numpy scalar left in makes Streamlit stringify it all).
    assert clean["seq"] == 3 and type(clean["seq"]) is int
    assert type(clean["grid"]["w"]) is int
    assert clean["frames"][0]["loss"] == 0.5 and type(clean["frames"][0]["loss"]) is float
    assert clean["frames"][0]["probs"] == [0.25, 1.0]
    assert clean["pacing"] == dict(PACING)
    assert "pacing" not in data  # the caller's dict is left alone
    assert sent["key"] == "k" and sent["height"] == 300
    assert callable(sent["on_need_frames_change"]) and callable(sent["on_paused_at_change"])


def test_pacing_is_immutable_and_matches_the_js_tests_copy():
    with pytest.raises(TypeError):
        PACING["max_catchup"] = 5
    out = subprocess.run([node(), "--input-type=module", "-e",
                          "import { PACING } from './tests/js/pacing.mjs'; console.log(JSON.stringify(PACING));"],
                         cwd=REPO, capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out) == dict(PACING)


# ---------------------------------------------------------------- the JS bundle


def test_bundle_is_one_es_module_with_a_default_export(tmp_path):
    js = ui.live._JS
    for name in MODULES:
        assert f"// ---- {name}\n" in js
    assert not re.search(r"^\s*import\b", js, re.M), "a sibling import was left in"
    assert re.findall(r"^export\b.*", js, re.M) == ["export default function (args) {"]
    # Node loads it as an ES module: it parses, top-level names do not clash, the default is a function.
    path = tmp_path / "bundle.mjs"
    path.write_text(js)
    out = subprocess.run([node(), "--input-type=module", "-e",
                          f"const m = await import({json.dumps(path.as_uri())}); "
                          "console.log(JSON.stringify([Object.keys(m), typeof m.default]));"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out) == [["default"], "function"]


def test_bundle_strips_sibling_imports_and_named_exports():
    js = bundle([("a.js", "// a comment line\nexport const A = 1;  // why\n\nexport function f() {\n  return 2;\n}\n"),
                 ("b.js", 'import { A, f } from "./a.js";\nexport default function () { return A; }\n')])
    # Comments, indentation and blank lines go (the code is sent with every run); line breaks stay.
    assert js == ("// ---- a.js\nconst A = 1;\nfunction f() {\nreturn 2;\n}\n"
                  "// ---- b.js\nexport default function () { return A; }")


def test_the_served_bundle_is_written_and_rewritten_when_stale(tmp_path, monkeypatch):
    target = tmp_path / "static" / "stage.js"
    monkeypatch.setattr(ui.live, "STATIC_JS", target)
    assert ui.live.write_static() and target.read_text(encoding="utf-8") == ui.live._JS
    target.write_text("stale")   # a module edited since: the next start writes the new bundle
    assert ui.live.write_static() and target.read_text(encoding="utf-8") == ui.live._JS
    assert [p.name for p in target.parent.iterdir()] == ["stage.js"]   # no partial file left behind
    target.parent.chmod(0o555)
    target.write_text("stale")
    try:   # an unwritable folder (root may write anyway: then it is current)
        assert ui.live.write_static() == (target.read_text(encoding="utf-8") == ui.live._JS)
    finally:
        target.parent.chmod(0o755)


LOADER_CHECK = """
const calls = [];
globalThis.__stageCalls = calls;
const { default: render } = await import(%(loader)s);
const parent = { textContent: "" };
const stop1 = render({ data: 1, parentElement: parent });
const stop2 = render({ data: 2, parentElement: parent });
await new Promise((r) => setTimeout(r, 50));
stop2();
const broken = await import(%(broken)s);
const parent2 = { textContent: "" };
broken.default({ data: 3, parentElement: parent2 });
await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({ calls, text: parent2.textContent }));
"""


def test_the_loader_hands_every_render_to_the_served_bundle(tmp_path):
    stage = tmp_path / "stage.mjs"
    stage.write_text("export default function (args) {\n  globalThis.__stageCalls.push(['render', args.data]);\n"
                     "  return () => globalThis.__stageCalls.push(['cleanup', args.data]);\n}\n")
    (tmp_path / "loader.mjs").write_text(ui.live.loader(stage.as_uri() + "?v=1"))
    (tmp_path / "broken.mjs").write_text(ui.live.loader((tmp_path / "missing.mjs").as_uri()))
    script = LOADER_CHECK % {"loader": json.dumps((tmp_path / "loader.mjs").as_uri()),
                             "broken": json.dumps((tmp_path / "broken.mjs").as_uri())}
    out = subprocess.run([node(), "--input-type=module", "-e", script], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    got = json.loads(out)
    # One import, each render handed on in order with its own args; a cleanup reaches the bundle's cleanup.
    assert got["calls"] == [["render", 1], ["render", 2], ["cleanup", 2]]
    assert got["text"].startswith("The stage's script did not load (") and "Reload the page." in got["text"]


@pytest.mark.parametrize("modules, why", [
    ([("a.js", 'import { B } from "./b.js";\n'), ("b.js", "export default 1;\n")], "not listed before"),
    ([("a.js", 'import x from "https://cdn.example/x.js";\n'), ("b.js", "export default 1;\n")], "forms"),
    ([("a.js", "const a = 1;\nexport { a };\n"), ("b.js", "export default 1;\n")], "forms"),
    ([("a.js", "export default 1;\n"), ("b.js", "export default 2;\n")], "default export"),
    ([("a.js", "export const a = 1;\n")], "default export"),
    ([], "no modules"),
])
def test_bundle_rejects_what_it_cannot_join(modules, why):
    with pytest.raises(ValueError, match=why):
        bundle(modules)


def test_assets_are_self_contained():
    for name in (*MODULES, "live.css", "live.html"):
        assert not re.search(r"https?://", (LIVE_DIR / name).read_text()), name  # works offline
