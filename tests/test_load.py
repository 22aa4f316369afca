"""Short load test for CI: 4 protocol sessions play for ~6 s against a server the test starts.

The long form is bench/load_test.py (run by hand). This one only checks that several sessions
playing at once all get frames, none errors and none's picture freezes for more than 2 s (the
longest time one frame stayed on its live view while playing; batches themselves may arrive up to
~1 s of frames apart on a busy server). About 15-20 s.
"""

import asyncio
import concurrent.futures

import pytest
import websockets  # noqa: F401  required (requirements-dev.txt): a missing install fails, never skips

from tests.support.protocol import Plan, ProtocolError, ProtoSession, run_round
from tests.support.server import start_server, stop_server
from ui.live import PACING

SESSIONS = 4
SECONDS = 6.0
MAX_FREEZE_S = 2.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base, proc = start_server(tmp_path_factory.mktemp("load") / "server.log")
    try:
        yield base, proc
    finally:
        stop_server(proc)


def run_async(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests, earlier in the same
    process) may hold this thread's event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_sessions_playing_at_once_all_get_frames(server):
    base, proc = server
    plan = Plan(seconds=SECONDS, steps=1, ramp=0.5)

    async def go():
        warm = ProtoSession("warm", base, plan.page, plan.query, 60)  # imports, first page run
        await warm.run(0, 0.5)
        assert not warm.r.errors, warm.r.errors
        return await run_round(base, [proc.pid], plan, SESSIONS)

    rr = run_async(go())
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


def test_protocol_player_paces_with_the_payloads_numbers():
    # No server: the load test's player alone, fed payloads as the page sends them.
    s = ProtoSession("unit", "http://127.0.0.1:9", "playground", "", 1)
    d = {"seq": 1, "playing": True, "fps": 24, "frames": [{"iteration": i} for i in range(1, 25)],
         "pacing": dict(PACING)}
    s.ingest(d, 0.0)
    assert s.current_it == 1 and len(s.queue) == 23  # a fresh view shows the first frame at once
    assert s.ask_below() == 25  # max(2, ceil(0.5 * 24), 24 + 1)
    s.queue = s.queue[:3]
    assert s.pace() == 6  # 24 * 3 / ceil(24 / 2)
    s.queue = s.queue[:1]
    assert s.pace() == 4  # max(min_fps 4, 24 * 1/12)
    # The numbers come from the payload, not from a copy: change them and the player follows.
    s.ingest({**d, "seq": 2, "frames": [{"iteration": 30}], "pacing": {**PACING, "min_fps": 7.5, "fps_max": 10}}, 1.0)
    assert s.fps == 10 and s.queue == [2, 30]
    s.queue = [30]
    assert s.pace() == 7.5  # max(min_fps 7.5, 10 * 1 queued / max(2, ceil(1 / 2)))
    with pytest.raises(ProtocolError, match="pacing"):
        s.ingest({k: v for k, v in d.items() if k != "pacing"}, 2.0)


def _delta_heading(body):
    from streamlit.proto.Delta_pb2 import Delta

    d = Delta()
    d.new_element.heading.body = body
    return d


def test_protocol_step_ends_on_the_still_payload_of_the_expected_iteration():
    # The playground draws its iteration on the stage: a Step ends with the still payload whose last
    # frame is the iteration expected, not with a playing batch that passes it.
    async def go():
        s = ProtoSession("unit", "http://127.0.0.1:9", "playground", "", 1)
        still = {"seq": 1, "playing": False, "frames": [{"iteration": 3}], "pacing": dict(PACING)}
        s.ingest(still, 0.0)
        s.by_heading = False  # as decided on the first page run: no "Iteration N" heading
        assert s.iteration == 3
        fut = s.expect(4)
        s.ingest({**still, "seq": 2, "playing": True, "frames": [{"iteration": i} for i in (4, 5)]}, 1.0)
        s.on_delta(_delta_heading("Iteration 4"), 1.2)  # a heading elsewhere on the page does not count
        assert not fut.done()
        s.ingest({**still, "seq": 3, "frames": [{"iteration": 3}, {"iteration": 4}], "phases": True}, 1.5)
        assert fut.result() == 1.5 and s.iteration == 4 and not s.r.errors
        fut = s.expect(5)
        s.ingest({**still, "seq": 4, "frames": [{"iteration": 6}]}, 2.0)
        assert fut.result() == 2.0 and s.r.errors == ["a Step was to show iteration 5; the page showed 6"]

    run_async(go())


def test_protocol_step_ends_on_the_heading_where_the_page_has_one():
    # A lesson, or the playground before the stage drew its own iteration (commit c098d92).
    async def go():
        s = ProtoSession("unit", "http://127.0.0.1:9", "neuron", "", 1)
        s.on_delta(_delta_heading("Iteration 1"), 0.0)
        s.by_heading = True
        assert s.iteration == 1
        fut = s.expect(2)
        s.ingest({"seq": 1, "playing": False, "frames": [{"iteration": 2}], "pacing": dict(PACING)}, 0.5)
        assert not fut.done()
        s.on_delta(_delta_heading("Iteration 2"), 0.7)
        assert fut.result() == 0.7 and s.iteration == 2

    run_async(go())


def test_protocol_counts_the_bytes_of_playing_batches():
    s = ProtoSession("unit", "http://127.0.0.1:9", "playground", "", 1)
    d = {"seq": 1, "playing": True, "fps": 24, "frames": [{"iteration": i} for i in range(1, 25)],
         "pacing": dict(PACING)}
    s.ingest({**d, "playing": False, "seq": 0, "frames": [{"iteration": 0}]}, 0.0, 5000)  # a still: not counted
    s.counting = True
    s.ingest(d, 0.0, 1200)
    s.ingest(d, 0.1, 1200)  # the same seq again: not a new batch
    s.ingest({**d, "seq": 2, "frames": [{"iteration": i} for i in range(25, 37)]}, 0.5, 600)
    s.r.play_s = 2.0
    assert (s.r.payload_bytes, s.r.payload_frames, s.r.batches) == (1800, 36, 2)
    assert s.r.bytes_per_frame == 50 and s.r.payload_kb_s == 0.9
