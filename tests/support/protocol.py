"""A simulated browser tab speaking Streamlit's WebSocket protocol, and a round of them at once.

Shared by tests/test_load.py (a short round in CI) and bench/load_test.py (the long form, by hand).

A ``ProtoSession`` speaks Streamlit's own protocol: protobuf ``BackMsg``/``ForwardMsg`` over
``ws://HOST:PORT/_stcore/stream``, the way the browser frontend does:

* connect with subprotocol ``streamlit``; send ``BackMsg.rerun_script`` (``ClientState``:
  ``query_string``, ``page_name`` = URL path on the first run, then ``page_script_hash`` from
  the ``navigation`` ForwardMsg; ``context_info``; ``cached_message_hashes``);
* a button click is a rerun whose ``widget_states`` hold ``WidgetState(id=<Button.id>,
  trigger_value=True)``, and ``fragment_id`` = the button delta's ``Delta.fragment_id``
  (Step/Play sit in the ``workspace`` fragment, so only the fragment reruns);
* the live view's ``setTriggerValue("need_frames", seq)`` becomes ``WidgetState(id=
  "$$STREAMLIT_INTERNAL_KEY_" + BidiComponent.id + "__events", json_trigger_value=
  '[{"event": "need_frames", "value": seq}]')`` with the component's fragment id;
* the page's iteration: the "Iteration N" heading where the page has one (the lessons, and the
  playground before the stage drew its own, commit c098d92), else the stage's payload: the last
  frame's ``iteration`` of a still payload (``data["playing"]`` false). Which one is decided on the
  first page run (a heading seen or not). A Step's latency is "click sent -> the ForwardMsg
  carrying that iteration" (heading or still payload);
* frames arrive in ``Delta.new_element.bidi_component.json`` (the ``data`` dict); the client
  plays them as ui/live/player.js does, with the pacing numbers the payload carries (``pacing``,
  ui.live.PACING): at the payload's ``fps``, slower while the queue runs low (not below
  ``min_fps``), and it asks for the next batch when fewer than ``max(ask_min, ceil(ask_seconds *
  fps), frames in the last batch + 1)`` are queued;
* cacheable ForwardMsgs are remembered by hash and reported back, so the server may send
  ``ref_hash`` references, which are resolved from the local cache (as the browser does).

Bytes: the size of the ``json`` of every playing batch counted (``payload_bytes``, with the frames
it carried, ``payload_frames``) and of every ForwardMsg received while playing (``wire_bytes``).

Each session: GET the page (keeps the cookies, so a sticky proxy sees a browser), opens the
WebSocket, runs the page, clicks Step ``steps`` times, clicks Play, plays ``seconds``, then clicks
Step once more (a step "under load": it stops the play) and leaves.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.server import CHROMIUM, CHROMIUM_ARGS

TRIGGER_PREFIX = "$$STREAMLIT_INTERNAL_KEY_"   # streamlit.runtime.state.session_state
TRIGGER_SUFFIX = "__events"                      # components v2: one aggregator widget per instance
HEADING_RE = re.compile(r"^Iteration (\d+)$")


@dataclass(frozen=True)
class Plan:
    """What every session of a round does (bench/load_test.py's command line fills it)."""

    seconds: float = 20.0        # play time per session
    steps: int = 3               # Step clicks before playing
    page: str = "playground"
    query: str = "stop_at=100000"  # so play does not stop at 5,000
    ramp: float | None = None    # spread session starts over this many s (default 0.1 s each, max 5)
    timeout: float = 30.0        # per wait (page run, step), s
    seed: int = 0


# ---------------------------------------------------------------- server process + /proc


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / CLK_TCK  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def proc_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class ProcMonitor:
    """CPU and RSS of the server processes (summed), sampled every ``interval`` s."""

    def __init__(self, pids: list[int], interval: float = 0.5):
        self.pids, self.interval = pids, interval
        self.samples: list[tuple[float, float, float]] = []  # (t, cpu seconds, rss MB)
        self._task: asyncio.Task | None = None

    def sample(self) -> tuple[float, float, float]:
        cpu = sum(c for c in (proc_cpu_seconds(p) for p in self.pids) if c is not None)
        rss = sum(r for r in (proc_rss_mb(p) for p in self.pids) if r is not None)
        s = (time.monotonic(), cpu, rss)
        self.samples.append(s)
        return s

    async def _run(self):
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def start(self):
        self._task = asyncio.create_task(self._run())

    async def stop(self):
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.sample()

    def cpu_percent(self, t0: float, t1: float) -> float | None:
        inside = [s for s in self.samples if t0 <= s[0] <= t1]
        if len(inside) < 2 or inside[-1][0] - inside[0][0] <= 0:
            return None
        return 100 * (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    def peak_rss(self) -> float | None:
        return max((s[2] for s in self.samples), default=None)


# ---------------------------------------------------------------- results


@dataclass
class SessionResult:
    name: str
    kind: str = "proto"          # proto | browser
    frames: int = 0              # frames delivered (proto) / drawn (browser) while playing
    play_s: float = 0.0
    batches: int = 0
    asks: int = 0
    step_ms: list = field(default_factory=list)      # steps before play (while others load/play)
    stop_step_ms: float | None = None                # the Step that ends the play (others still playing)
    load_ms: float | None = None
    max_gap_s: float = 0.0       # longest gap between deliveries while playing (a batch holds up to ~1 s)
    hold_s: float = 0.0          # freeze: longest time one frame stayed on screen while playing
    hold_at: float = 0.0         # ... ending this many s after Play
    payload_bytes: int = 0       # bidi_component json of the playing batches counted in ``batches``
    payload_frames: int = 0      # ... and the frames they carried (repeats included: they were sent)
    wire_bytes: int = 0          # every ForwardMsg received while playing (serialized protobuf)
    stall_s: float = 0.0         # longest time the (simulated) player had nothing new to show
    starved_s: float = 0.0       # total such time
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    play_t0: float | None = None
    play_t1: float | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.play_s if self.play_s > 0 else 0.0

    @property
    def bytes_per_frame(self) -> float | None:
        return self.payload_bytes / self.payload_frames if self.payload_frames else None

    @property
    def payload_kb_s(self) -> float:
        return self.payload_bytes / 1000 / self.play_s if self.play_s > 0 else 0.0

    @property
    def wire_kb_s(self) -> float:
        return self.wire_bytes / 1000 / self.play_s if self.play_s > 0 else 0.0


# ---------------------------------------------------------------- protocol session


class ProtocolError(Exception):
    pass


class ProtoSession:
    """One simulated browser tab speaking Streamlit's WebSocket protocol."""

    def __init__(self, name: str, base: str, page: str, query: str, timeout: float):
        from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: F401 (import check early)

        self.r = SessionResult(name)
        self.base, self.page, self.query, self.timeout = base, page, query, timeout
        self.ws = None
        self.cookies: dict[str, str] = {}
        self.page_script_hash = ""
        self.query_string = query
        self.cache: dict[str, bytes] = {}        # hash -> serialized cacheable ForwardMsg
        self.cache_seen: dict[str, int] = {}     # hash -> run number last seen
        self.runs_finished = 0
        self.run_done = asyncio.Event()
        self.buttons: dict[str, tuple[str, str]] = {}   # label -> (widget id, fragment id)
        self.live_id: str | None = None
        self.live_fragment = ""
        self.heading_iteration: int | None = None  # last "Iteration N" heading
        self.still_iteration: int | None = None    # last frame of the last still stage payload
        self.frame_iteration: int | None = None    # last frame of the last stage payload, still or playing
        self.by_heading: bool | None = None        # the page's iteration is its heading (decided on the first run)
        self.step_waiter: tuple[int, asyncio.Future] | None = None
        # player (as ui/live/player.js, with the numbers of the payload's ``pacing``)
        self.playing = False
        self.queue: list[int] = []                 # iterations of queued frames
        self.current_it: int | None = None
        self.last_seq = None
        self.asked_seq = None
        self.asked_at = 0.0
        self.last_batch = 0
        self.pacing: dict | None = None      # the last payload's ``pacing`` (ui.live.PACING)
        self.fps = 0
        self.next_at: float | None = None    # when the next queued frame is due
        self.shown_at: float | None = None   # when the frame on screen was put there
        self.starve_since: float | None = None
        self.counting = False
        self.last_delivery: float | None = None
        self.closed = False
        self.no_ask = False

    # ---- transport
    async def fetch_page(self):
        """GET the page like a browser (status + cookies), in a thread."""
        url = f"{self.base}/{self.page}" + (f"?{self.query}" if self.query else "")

        def get():
            req = urllib.request.Request(url, headers={"User-Agent": "backprop-lab-load-test"})
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
                return resp.status, resp.headers.get_all("Set-Cookie") or []

        status, set_cookies = await asyncio.to_thread(get)
        if status != 200:
            raise ProtocolError(f"GET {url}: HTTP {status}")
        for c in set_cookies:
            k, _, v = c.split(";", 1)[0].partition("=")
            self.cookies[k.strip()] = v.strip()

    async def connect(self):
        from websockets.asyncio.client import connect

        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        headers = {"User-Agent": "backprop-lab-load-test", "Origin": f"{parts.scheme}://{parts.netloc}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = await asyncio.wait_for(connect(
            f"{scheme}://{parts.netloc}/_stcore/stream", subprotocols=["streamlit"], additional_headers=headers,
            max_size=None, compression=None, open_timeout=self.timeout, ping_interval=None), self.timeout)

    async def send_rerun(self, widgets=(), fragment_id=""):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        if self.page_script_hash:
            cs.page_script_hash = self.page_script_hash
        else:
            cs.page_name = self.page
        if fragment_id:
            cs.fragment_id = fragment_id
        for w in widgets:
            cs.widget_states.widgets.append(w)
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/{self.page}" + (f"?{self.query_string}" if self.query_string else "")
        cs.context_info.color_scheme = "light"
        self.run_done.clear()
        await self.ws.send(msg.SerializeToString())

    async def click(self, label: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if label not in self.buttons:
            raise ProtocolError(f"no button {label!r} on the page (have {sorted(self.buttons)})")
        wid, frag = self.buttons[label]
        await self.send_rerun([WidgetState(id=wid, trigger_value=True)], frag)

    async def ask_frames(self, seq):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        self.r.asks += 1
        w = WidgetState(id=f"{TRIGGER_PREFIX}_{self.live_id}{TRIGGER_SUFFIX}",
                        json_trigger_value=json.dumps([{"event": "need_frames", "value": seq}]))
        await self.send_rerun([w], self.live_fragment)

    # ---- receiving
    async def reader(self):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        try:
            async for data in self.ws:
                if self.counting:
                    self.r.wire_bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.handle(msg, time.monotonic())
        except ConnectionClosed as err:
            if not self.closed:
                self.r.errors.append(f"websocket closed: {err}")
        except Exception as err:  # a bug here must show, not hang the session
            self.r.errors.append(f"reader: {type(err).__name__}: {err}")
        finally:
            self.closed = True
            self.run_done.set()
            if self.step_waiter and not self.step_waiter[1].done():
                self.step_waiter[1].set_exception(ProtocolError("connection closed"))

    def handle(self, msg, now):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            raw = self.cache.get(msg.ref_hash)
            if raw is None:
                self.r.errors.append(f"ref_hash {msg.ref_hash} not in the client cache")
                return
            full = ForwardMsg()
            full.ParseFromString(raw)
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
            self.cache_seen[msg.hash] = self.runs_finished
        elif msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = msg.SerializeToString()
            self.cache_seen[msg.hash] = self.runs_finished
        if kind == "navigation":
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "new_session":
            if msg.new_session.page_script_hash and not self.page_script_hash:
                pass  # the navigation message names the page actually run
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            self.on_delta(msg.delta, now)
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.r.errors.append("script finished with a compile error")
            if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self.runs_finished += 1
                # Forget cached messages not seen for a few runs (the browser's cache ages out too).
                for h, seen in list(self.cache_seen.items()):
                    if self.runs_finished - seen > 4:
                        self.cache_seen.pop(h, None)
                        self.cache.pop(h, None)
                self.run_done.set()
        elif kind == "session_event":
            ev = msg.session_event.WhichOneof("type")
            if ev == "script_compilation_exception":
                self.r.errors.append("script compilation exception")

    def on_delta(self, delta, now):
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        et = el.WhichOneof("type")
        if et == "exception":
            self.r.errors.append(f"exception element: {el.exception.type}: {el.exception.message[:200]}")
        elif et == "button":
            self.buttons[el.button.label] = (el.button.id, delta.fragment_id)
        elif et == "heading":
            m = HEADING_RE.match(el.heading.body)
            if m:
                self.heading_iteration = int(m.group(1))
                if self.by_heading is not False:
                    self.reached(self.heading_iteration, now)
        elif et == "bidi_component":
            bc = el.bidi_component
            self.live_id, self.live_fragment = bc.id, delta.fragment_id
            if bc.WhichOneof("data") == "json":
                self.ingest(json.loads(bc.json), now, len(bc.json.encode()))

    @property
    def iteration(self) -> int | None:
        """The iteration the page shows: its heading, else the stage's still payload."""
        return self.heading_iteration if self.by_heading else self.still_iteration

    def reached(self, iteration, now):
        """The page shows ``iteration``: the end of a Step's wait if that is the iteration it waits for.
        A later one means the step did not go where expected (an error, not a timeout's 30 s)."""
        w = self.step_waiter
        if w and iteration >= w[0] and not w[1].done():
            w[1].set_result(now)
            if w[2] and iteration != w[0]:
                self.r.errors.append(f"a Step was to show iteration {w[0]}; the page showed {iteration}")

    # ---- the player (ui/live/player.js; no pause-and-hold: these sessions never press Pause)
    def ingest(self, d, now, size=0):
        """A stage payload ``d`` arrives at ``now``; ``size``: its json's length in bytes."""
        frames = [f["iteration"] for f in d.get("frames") or []]
        if frames:
            self.frame_iteration = frames[-1]
        if "pacing" not in d:
            raise ProtocolError("the live view's payload has no 'pacing'")
        p = self.pacing = d["pacing"]
        self.fps = min(p["fps_max"], max(p["fps_min"], d.get("fps") or p["fps_default"]))
        was_playing = self.playing
        if not d.get("playing"):
            self.playing = False
            self.queue = []
            self.last_seq = d.get("seq")
            if frames:
                self.current_it = self.still_iteration = frames[-1]
                if not self.by_heading:
                    self.reached(frames[-1], now)
            return
        if d.get("seq") == self.last_seq and was_playing:
            return
        self.last_seq = d.get("seq")
        self.last_batch = len(frames)
        self.playing = True
        tail = self.queue[-1] if self.queue else (self.current_it if self.current_it is not None else -math.inf)
        if frames and self.current_it is not None and frames[0] <= self.current_it:
            new = frames
            self.queue = list(frames)
        else:
            new = [f for f in frames if f > tail]
            self.queue.extend(new)
        if self.counting:
            self.r.frames += len(new)
            self.r.batches += 1
            self.r.payload_bytes += size
            self.r.payload_frames += len(frames)
            if self.last_delivery is not None:
                self.r.max_gap_s = max(self.r.max_gap_s, now - self.last_delivery)
            self.last_delivery = now
        if self.current_it is None and self.queue:
            self.show(now)
        if self.next_at is not None:  # as player.js: a deadline set while the queue ran dry
            self.next_at = min(self.next_at, now + 1 / self.pace())
        if not was_playing:
            self.next_at = None
            self.shown_at = now
        self.maybe_ask(now)

    def show(self, now):
        self.current_it = self.queue.pop(0)
        if self.counting and self.shown_at is not None and now - self.shown_at > self.r.hold_s:
            self.r.hold_s, self.r.hold_at = now - self.shown_at, now - self.r.play_t0
        self.shown_at = now

    def tick(self, now):
        if not self.playing:
            return
        if self.next_at is None:
            self.next_at = now
        if now >= self.next_at:
            if not self.queue:
                if self.starve_since is None:
                    self.starve_since = now
                self.next_at = now
            else:
                self.end_starve(now)
                for _ in range(self.pacing["max_catchup"]):
                    if not self.queue or now < self.next_at:
                        break
                    self.show(now)
                    self.next_at += 1 / self.pace()
                if now >= self.next_at:  # far behind: no burst later
                    self.next_at = now
        self.maybe_ask(now)

    def ask_below(self):
        p = self.pacing
        return max(p["ask_min"], math.ceil(p["ask_seconds"] * self.fps), self.last_batch + 1)

    def pace(self):
        """Playback frames/s, as player.js pace(): slower while the queue runs low."""
        p = self.pacing
        full = max(p["full_min"], math.ceil(self.last_batch * p["full_share"]))
        return max(min(p["min_fps"], self.fps), self.fps * min(1.0, len(self.queue) / full))

    def end_starve(self, now):
        if self.starve_since is not None:
            gap = now - self.starve_since
            if self.counting:
                self.r.stall_s = max(self.r.stall_s, gap)
                self.r.starved_s += gap
            self.starve_since = None

    def maybe_ask(self, now):
        if not self.playing or self.live_id is None or self.no_ask:
            return
        if len(self.queue) >= self.ask_below():  # as player.js maybeAsk
            return
        lost = self.asked_seq == self.last_seq and not self.queue and now - self.asked_at > self.pacing["lost_after_s"]
        if self.asked_seq != self.last_seq or lost:
            self.asked_seq, self.asked_at = self.last_seq, now
            asyncio.get_running_loop().create_task(self._ask(self.last_seq))

    async def _ask(self, seq):
        try:
            await self.ask_frames(seq)
        except Exception as err:
            if not self.closed:
                self.r.errors.append(f"send need_frames: {type(err).__name__}: {err}")

    async def player(self):
        while not self.closed:
            self.tick(time.monotonic())
            await asyncio.sleep(1 / 60)

    # ---- scenario
    async def wait_run(self, what: str):
        try:
            await asyncio.wait_for(self.run_done.wait(), self.timeout)
        except TimeoutError:
            raise ProtocolError(f"timeout ({self.timeout:.0f} s) waiting for {what}") from None
        if self.closed:
            raise ProtocolError(f"connection closed during {what}")

    def expect(self, iteration, exact=True) -> asyncio.Future:
        """A future set to the arrival time of the ForwardMsg that shows ``iteration`` (or, not
        ``exact``, any later one; see ``reached``)."""
        fut = asyncio.get_running_loop().create_future()
        self.step_waiter = (iteration, fut, exact)
        return fut

    async def step(self, label="Step", n=1, exact=True) -> float:
        # A Step trains from the last frame the stage was sent; a page without a stage (a lesson) from its
        # heading. A Step that stops a play (not ``exact``) trains from wherever the server got to: it
        # may have trained a batch the session has not received yet.
        base = self.frame_iteration if self.frame_iteration is not None else self.iteration
        expect = (base or 0) + n
        fut = self.expect(expect, exact)
        t0 = time.monotonic()
        await self.click(label)
        source = "'Iteration N' heading" if self.by_heading else "still stage payload"
        try:
            t1 = await asyncio.wait_for(fut, self.timeout)
        except TimeoutError:
            raise ProtocolError(f"timeout waiting for iteration {expect} ({source}) after {label} "
                                f"(last shown: {self.iteration})") from None
        await self.wait_run(f"the end of the {label} run")
        return 1000 * (t1 - t0)

    async def run(self, steps: int, play_seconds: float):
        reader = player = None
        try:
            t0 = time.monotonic()
            await self.fetch_page()
            await self.connect()
            reader = asyncio.create_task(self.reader())
            await self.send_rerun()
            await self.wait_run("the first page run")
            self.by_heading = self.heading_iteration is not None
            if "Step" not in self.buttons or self.iteration is None:
                raise ProtocolError(f"the {self.page} page did not show Step and its iteration ('Iteration N' or "
                                    f"a still stage payload; buttons: {sorted(self.buttons)})")
            self.r.load_ms = 1000 * (time.monotonic() - t0)
            player = asyncio.create_task(self.player())
            for _ in range(steps):
                self.r.step_ms.append(await self.step())
            # Play for play_seconds.
            self.counting = True
            self.r.play_t0 = self.last_delivery = time.monotonic()
            await self.click("Play")
            end = self.r.play_t0 + play_seconds
            while time.monotonic() < end and not self.closed:
                await asyncio.sleep(min(0.1, max(0.0, end - time.monotonic())))
                if self.run_done.is_set() and not self.playing and "Play" in self.buttons \
                        and time.monotonic() < end - 0.5 and self.r.batches > 0:
                    self.r.notes.append(f"play stopped at iteration {self.current_it}; pressed Play again")
                    await self.click("Play")
            now = time.monotonic()
            self.end_starve(now)
            if self.last_delivery is not None:
                self.r.max_gap_s = max(self.r.max_gap_s, now - self.last_delivery)
            if self.playing and self.shown_at is not None:
                self.r.hold_s = max(self.r.hold_s, now - self.shown_at)
            self.r.play_t1 = now
            self.r.play_s = now - self.r.play_t0
            self.counting = False
            # A Step while (most) others still play: it also stops this session's play.
            if not self.closed:
                self.no_ask = True
                await asyncio.sleep(0.05)  # let an ask already decided go out first
                await self.wait_run("the current run before the final Step")
                self.r.stop_step_ms = await self.step(exact=False)
        except ProtocolError as err:
            self.r.errors.append(str(err))
        except (TimeoutError, OSError, urllib.error.URLError) as err:
            self.r.errors.append(f"{type(err).__name__}: {err}")
        except Exception as err:
            self.r.errors.append(f"{type(err).__name__}: {err}")
        finally:
            if self.counting and self.r.play_t0 is not None:
                self.r.play_t1 = time.monotonic()
                self.r.play_s = self.r.play_t1 - self.r.play_t0
            self.closed = True
            if self.ws is not None:
                try:
                    await asyncio.wait_for(self.ws.close(), 5)
                except Exception:
                    pass
            for t in (player, reader):
                if t is not None:
                    t.cancel()
                    try:
                        await t
                    except (asyncio.CancelledError, Exception):
                        pass
        return self.r



# ---------------------------------------------------------------- one round


@dataclass
class RoundResult:
    n_proto: int
    n_browsers: int
    sessions: list
    server_cpu: float | None
    client_cpu: float | None
    rss_before: float | None
    rss_peak: float | None
    rss_after: float | None
    wall_s: float
    concurrency: int
    rss_trace: list  # [(s since the round started, RSS MB)]


async def run_round(base: str, pids: list[int], plan: Plan, n_proto: int, n_browsers: int = 0,
                    browser_session=None) -> RoundResult:
    """``n_proto`` ProtoSessions and ``n_browsers`` browser sessions play ``plan`` at once against ``base``;
    the CPU and RSS of the server processes ``pids`` are sampled meanwhile. A browser session is
    ``await browser_session(browser, name, base, plan) -> SessionResult`` (bench/load_test.py has one).
    """
    if n_browsers and browser_session is None:
        raise ValueError("n_browsers > 0 needs a browser_session")
    mon = ProcMonitor(pids)
    rss_before = mon.sample()[2] if pids else None
    mon.start()
    c0, t0 = os.times(), time.monotonic()
    total = n_proto + n_browsers
    ramp = plan.ramp if plan.ramp is not None else min(5.0, 0.1 * total)
    rng = random.Random(plan.seed)

    async def delayed(k, coro_fn):
        await asyncio.sleep(ramp * k / max(1, total) + rng.uniform(0, 0.05))
        return await coro_fn()

    tasks = []
    for k in range(n_proto):
        s = ProtoSession(f"p{k:02d}", base, plan.page, plan.query, plan.timeout)
        tasks.append(asyncio.create_task(delayed(k, lambda s=s: s.run(plan.steps, plan.seconds))))
    pw = browser = None
    if n_browsers:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for j in range(n_browsers):
            k = n_proto + j
            tasks.append(asyncio.create_task(delayed(k, lambda j=j: browser_session(
                browser, f"b{j:02d}", base, plan))))
    hard_limit = ramp + plan.seconds + 6 * plan.timeout + 30
    try:
        done = await asyncio.wait_for(asyncio.gather(*tasks), hard_limit)
    except TimeoutError:
        for t in tasks:
            t.cancel()
        done = [t.result() if t.done() and not t.cancelled() else SessionResult("?", errors=["hard time limit"])
                for t in tasks]
    finally:
        if browser is not None:
            await browser.close()
        if pw is not None:
            await pw.stop()
    t1 = time.monotonic()
    c1 = os.times()
    # Server CPU over the window where everybody played (the overlap), else over all play.
    starts = [r.play_t0 for r in done if r.play_t0]
    ends = [r.play_t1 for r in done if r.play_t1]
    w0, w1 = (max(starts), min(ends)) if starts and ends else (t0, t1)
    if w1 - w0 < 2:
        w0, w1 = (min(starts), max(ends)) if starts and ends else (t0, t1)
    await asyncio.sleep(1.0)  # let the server drop the sessions
    await mon.stop()
    events = sorted([(r.play_t0, 1) for r in done if r.play_t0] + [(r.play_t1, -1) for r in done if r.play_t1])
    conc = peak = 0
    for _, d in events:
        conc += d
        peak = max(peak, conc)
    return RoundResult(
        n_proto, n_browsers, list(done), mon.cpu_percent(w0, w1) if pids else None,
        100 * ((c1.user + c1.system) - (c0.user + c0.system)) / max(1e-9, t1 - t0),
        rss_before, mon.peak_rss() if pids else None, mon.samples[-1][2] if pids else None, t1 - t0, peak,
        [(t - t0, rss) for t, _, rss in mon.samples] if pids else [])

