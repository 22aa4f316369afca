"""Tests for the pure-Python parts of ui.live (the browser side is tested by hand)."""

import base64
from pathlib import Path

import numpy as np
import pytest

from ui.live import encode_probs, live_view

LIVE_DIR = Path(__file__).resolve().parents[1] / "ui" / "live"


def _decode(s: str) -> bytes:
    return base64.b64decode(s, validate=True)


def test_round_trip_matches_independent_rounding():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 5, 3))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    raw = _decode(encode_probs(probs))
    assert len(raw) == 4 * 5 * 3
    # Independent expectation: plain Python round() over a C-order walk,
    # (row, col, class) with class fastest.
    expected = bytes(round(float(probs[r, c, k]) * 255) for r in range(4) for c in range(5) for k in range(3))
    assert raw == expected


def test_known_values_and_layout():
    probs = np.zeros((2, 1, 2))
    probs[0, 0] = [1.0, 0.0]  # row 0 = bottom (y0)
    probs[1, 0] = [0.2, 0.8]
    assert list(_decode(encode_probs(probs))) == [255, 0, 51, 204]


def test_accepts_float32_and_tiny_overshoot():
    probs = np.full((1, 1, 2), 0.5, dtype=np.float32)
    probs[0, 0, 0] = 1.0 + 1e-7  # float rounding in a softmax
    probs[0, 0, 1] = -1e-8
    assert list(_decode(encode_probs(probs))) == [255, 0]


def test_non_contiguous_input_is_encoded_in_logical_order():
    probs = np.linspace(0, 1, 24).reshape(2, 3, 4)
    view = probs.transpose(1, 0, 2)  # (3, 2, 4), not C-contiguous
    expected = bytes(round(float(v) * 255) for v in np.ravel(view, order="C"))
    assert _decode(encode_probs(view)) == expected


@pytest.mark.parametrize("shape", [(10,), (4, 4), (2, 2, 2, 2)])
def test_wrong_rank_raises(shape):
    with pytest.raises(ValueError, match=r"shape \(h, w, classes\)"):
        encode_probs(np.zeros(shape))


def test_empty_raises():
    with pytest.raises(ValueError, match="empty"):
        encode_probs(np.zeros((0, 3, 2)))


@pytest.mark.parametrize("bad", [1.5, -0.1])
def test_out_of_range_raises(bad):
    probs = np.full((2, 2, 2), 0.5)
    probs[1, 1, 0] = bad
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        encode_probs(probs)


def test_nan_raises():
    probs = np.full((2, 2, 2), 0.5)
    probs[0, 0, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        encode_probs(probs)


def test_non_numeric_raises():
    with pytest.raises(ValueError, match="numeric"):
        encode_probs(np.array([[["a", "b"]]]))


def test_live_view_validates_payload_without_a_running_app():
    with pytest.raises(ValueError, match="dict"):
        live_view([1, 2], key="k")
    with pytest.raises(ValueError, match="'frames'"):
        live_view({"seq": 1, "grid": {}, "classes": 2}, key="k")


def test_live_view_outside_streamlit_returns_empty_result():
    # No script run context: Streamlit returns an empty result instead of
    # mounting; numpy scalars in the payload must not break serialisation.
    data = {"seq": np.int64(1), "grid": {}, "classes": 2, "frames": [{"loss": np.float32(0.5)}]}
    live_view(data, key="k")


def test_assets_are_self_contained():
    js = (LIVE_DIR / "live.js").read_text()
    assert "export default function" in js
    for text in (js, (LIVE_DIR / "live.css").read_text(), (LIVE_DIR / "live.html").read_text()):
        assert "http://" not in text and "https://" not in text  # works offline
