"""Short load test for CI: 4 protocol sessions play for ~6 s against a server the test starts.

The long form is bench/load_test.py (run by hand). This one only checks that several sessions
playing at once all get frames, none errors and none's picture freezes for more than 2 s (the
longest time one frame stayed on its live view while playing; batches themselves may arrive up to
~1 s of frames apart on a busy server). About 15-20 s.
"""

import asyncio
import concurrent.futures
import importlib.util
import sys
from pathlib import Path

import pytest
import websockets  # noqa: F401  required (requirements-dev.txt): a missing install fails, never skips

REPO = Path(__file__).resolve().parents[1]
SESSIONS = 4
SECONDS = 6.0
MAX_FREEZE_S = 2.0


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_load_test", REPO / "bench" / "load_test.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def lt():
    return load_bench()


@pytest.fixture(scope="module")
def server(lt, tmp_path_factory):
    base, proc = lt.start_server(tmp_path_factory.mktemp("load") / "server.log")
    try:
        yield base, proc
    finally:
        lt.stop_server(proc)


def test_sessions_playing_at_once_all_get_frames(lt, server):
    base, proc = server
    args = lt.parse_args(["--sessions", str(SESSIONS), "--seconds", str(SECONDS), "--steps", "1",
                          "--ramp", "0.5", "--quiet"])

    async def go():
        warm = lt.ProtoSession("warm", base, args.page, args.query, 60)  # imports, first page run
        await warm.run(0, 0.5)
        assert not warm.r.errors, warm.r.errors
        return await lt.run_round(base, [proc.pid], SESSIONS, 0, args)

    # A thread of its own: Playwright's sync API (the browser tests) may hold this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        rr = pool.submit(asyncio.run, go()).result()
    assert proc.poll() is None, "the server died"
    assert len(rr.sessions) == SESSIONS
    table = "\n".join(f"{r.name}: {r.frames} frames in {r.play_s:.1f} s ({r.fps:.1f}/s), {r.batches} batches, "
                      f"gap {r.max_gap_s:.2f} s, freeze {r.hold_s:.2f} s, stall {r.stall_s:.2f} s, "
                      f"steps {[round(m) for m in r.step_ms]} ms, errors {r.errors}"
                      for r in rr.sessions)
    for r in rr.sessions:
        assert not r.errors, table
        assert r.step_ms and r.stop_step_ms is not None, table
        assert r.frames > 0 and r.batches >= 2, table
        assert 0 < r.hold_s <= MAX_FREEZE_S, table
