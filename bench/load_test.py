"""Load test of the playground: N concurrent sessions against a real Streamlit server.

Run by hand (bounded in time and count, loopback only, stops by itself):

    python bench/load_test.py --sessions 30 --seconds 20
    python bench/load_test.py --sweep 8,15,30 --seconds 20 --browsers 2
    python bench/load_test.py --url http://127.0.0.1:8080 --pids-file /tmp/x/pids --sessions 30

Without ``--url`` it starts its own ``streamlit run app.py`` on a free 127.0.0.1 port (headless,
file watcher off) and stops it at the end.

Each session: GET /playground (keeps the cookies, so a sticky proxy sees a browser), opens the
WebSocket, runs the page, clicks Step ``--steps`` times, clicks Play, plays ``--seconds``, then
clicks Step once more (a step "under load": it stops the play) and leaves.

Most sessions speak Streamlit's own protocol (``--sessions``): protobuf ``BackMsg``/``ForwardMsg``
over ``ws://HOST:PORT/_stcore/stream``, the way the browser frontend does:

* connect with subprotocol ``streamlit``; send ``BackMsg.rerun_script`` (``ClientState``:
  ``query_string``, ``page_name`` = URL path on the first run, then ``page_script_hash`` from
  the ``navigation`` ForwardMsg; ``context_info``; ``cached_message_hashes``);
* a button click is a rerun whose ``widget_states`` hold ``WidgetState(id=<Button.id>,
  trigger_value=True)``, and ``fragment_id`` = the button delta's ``Delta.fragment_id``
  (Step/Play sit in the ``workspace`` fragment, so only the fragment reruns);
* the live view's ``setTriggerValue("need_frames", seq)`` becomes ``WidgetState(id=
  "$$STREAMLIT_INTERNAL_KEY_" + BidiComponent.id + "__events", json_trigger_value=
  '[{"event": "need_frames", "value": seq}]')`` with the component's fragment id;
* frames arrive in ``Delta.new_element.bidi_component.json`` (the ``data`` dict); the client
  plays them at the payload's ``fps`` and asks for the next batch when fewer than
  ``max(2, ceil(0.5 * fps), frames in the last batch + 1)`` are queued -- the same backpressure as
  ui/live/live.js;
* cacheable ForwardMsgs are remembered by hash and reported back, so the server may send
  ``ref_hash`` references, which are resolved from the local cache (as the browser does).

``--browsers K`` adds K sessions in headless Debian Chromium (Playwright, never
``playwright install``); their frame rate is ``window.__backpropLive.framesDrawn``.

Measured per session: frames delivered per second while playing (frames in new-seq payloads),
step latency (click sent -> the ForwardMsg carrying the heading "Iteration N"), errors (exception
elements, timeouts, disconnects), freeze (longest time one frame stayed on screen while playing:
what a student sees), display stall (longest time the player had no frame left to show), gap
(longest time between two batches arriving; a batch holds up to ~1 s of frames); for the server(s):
CPU % (of one core; 200 % = both cores) and RSS from /proc/<pid>.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import os
import random
import re
import statistics
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: one server helper for the tests and the benchmarks
from tests.browser.support import start_server, stop_server, wait_healthy  # noqa: E402

MAX_SESSIONS = 60
MAX_BROWSERS = 6
MAX_SECONDS = 1800  # a 30-minute soak (with --rss-every 60)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Targets (printed next to the results).
TARGET_SESSIONS = 30
TARGET_FPS = 10.0
TARGET_FREEZE_S = 1.0
DEFAULT_RSS_LIMIT_MB = 2048

TRIGGER_PREFIX = "$$STREAMLIT_INTERNAL_KEY_"   # streamlit.runtime.state.session_state
TRIGGER_SUFFIX = "__events"                      # components v2: one aggregator widget per instance
HEADING_RE = re.compile(r"^Iteration (\d+)$")


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
    stall_s: float = 0.0         # longest time the (simulated) player had nothing new to show
    starved_s: float = 0.0       # total such time
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    play_t0: float | None = None
    play_t1: float | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.play_s if self.play_s > 0 else 0.0


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
        self.iteration: int | None = None          # last "Iteration N" heading
        self.heading_waiter: tuple[int, asyncio.Future] | None = None
        # player (mirrors ui/live/live.js)
        self.playing = False
        self.queue: list[int] = []                 # iterations of queued frames
        self.current_it: int | None = None
        self.last_seq = None
        self.asked_seq = None
        self.asked_at = 0.0
        self.last_batch = 0
        self.fps = 20
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
            if self.heading_waiter and not self.heading_waiter[1].done():
                self.heading_waiter[1].set_exception(ProtocolError("connection closed"))

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
                self.iteration = int(m.group(1))
                w = self.heading_waiter
                if w and self.iteration >= w[0] and not w[1].done():
                    w[1].set_result(now)
        elif et == "bidi_component":
            bc = el.bidi_component
            self.live_id, self.live_fragment = bc.id, delta.fragment_id
            if bc.WhichOneof("data") == "json":
                self.ingest(json.loads(bc.json), now)

    # ---- the player (ui/live/live.js, minus drawing)
    def ingest(self, d, now):
        frames = [f["iteration"] for f in d.get("frames") or []]
        self.fps = min(120, max(1, int(d.get("fps") or 20)))
        was_playing = self.playing
        if not d.get("playing"):
            self.playing = False
            self.queue = []
            self.last_seq = d.get("seq")
            if frames:
                self.current_it = frames[-1]
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
            if self.last_delivery is not None:
                self.r.max_gap_s = max(self.r.max_gap_s, now - self.last_delivery)
            self.last_delivery = now
        if self.current_it is None and self.queue:
            self.show(now)
        if self.next_at is not None:  # as live.js: a deadline set while the queue ran dry
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
                for _ in range(3):  # MAX_CATCHUP
                    if not self.queue or now < self.next_at:
                        break
                    self.show(now)
                    self.next_at += 1 / self.pace()
                if now >= self.next_at:  # far behind: no burst later
                    self.next_at = now
        self.maybe_ask(now)

    def ask_below(self):
        return max(2, math.ceil(0.5 * self.fps), self.last_batch + 1)

    def pace(self):
        """Playback frames/s, as ui/live/live.js pace(): slower while the queue runs low."""
        full = max(2, math.ceil(self.last_batch / 2))
        return self.fps * max(1 / 8, min(1.0, len(self.queue) / full))

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
        if len(self.queue) >= self.ask_below():  # as ui/live/live.js maybeAsk
            return
        lost = self.asked_seq == self.last_seq and not self.queue and now - self.asked_at > 5.0
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

    async def step(self, label="Step", n=1) -> float:
        expect = (self.iteration or 0) + n
        fut = asyncio.get_running_loop().create_future()
        self.heading_waiter = (expect, fut)
        t0 = time.monotonic()
        await self.click(label)
        try:
            t1 = await asyncio.wait_for(fut, self.timeout)
        except TimeoutError:
            raise ProtocolError(f"timeout waiting for 'Iteration {expect}' after {label} "
                                f"(last heading: Iteration {self.iteration})") from None
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
            if "Step" not in self.buttons or self.iteration is None:
                raise ProtocolError(f"the {self.page} page did not show Step / 'Iteration N' "
                                    f"(buttons: {sorted(self.buttons)})")
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
                self.r.stop_step_ms = await self.step()
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


# ---------------------------------------------------------------- browser session (Playwright)

LIVE_JS = "window.__backpropLive"


async def browser_session(browser, name: str, base: str, page_path: str, query: str, steps: int,
                          play_seconds: float, timeout: float) -> SessionResult:
    r = SessionResult(name, kind="browser")
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(timeout * 1000)
    page = await ctx.new_page()
    page.on("pageerror", lambda e: r.errors.append(f"page error: {e}"))
    heading = page.locator("main h3").filter(has_text=re.compile(r"^Iteration \d+"))

    def button(label):
        return page.locator("main").get_by_role("button", name=re.compile(rf"^{re.escape(label)}( Shortcut .*)?$"))

    async def wait_iteration(n):
        await page.wait_for_function(
            """(n) => [...document.querySelectorAll('main h3')].some(h => h.textContent.trim() === 'Iteration ' + n)""",
            arg=n, timeout=timeout * 1000, polling="raf")

    try:
        t0 = time.monotonic()
        await page.goto(f"{base}/{page_path}" + (f"?{query}" if query else ""))
        await wait_iteration(0)
        await page.wait_for_function(f"{LIVE_JS} && {LIVE_JS}.framesDrawn > 0")
        r.load_ms = 1000 * (time.monotonic() - t0)
        it = 0
        for _ in range(steps):
            t = time.monotonic()
            await button("Step").click()
            it += 1
            await wait_iteration(it)
            r.step_ms.append(1000 * (time.monotonic() - t))
        start = await page.evaluate(f"({{...{LIVE_JS}}})")
        r.play_t0 = time.monotonic()
        await button("Play").click()
        # As for protocol sessions, holds count from the first frame of play on (the wait for it is the
        # Play button's latency, not a freeze).
        last_it, last_change = start.get("lastIteration"), None
        end = r.play_t0 + play_seconds
        stats = start
        while time.monotonic() < end:
            await asyncio.sleep(0.1)
            stats = await page.evaluate(f"({{...{LIVE_JS}}})")
            now = time.monotonic()
            if stats.get("lastIteration") != last_it:  # polled every 0.1 s: holds are up to 0.1 s long
                if last_change is not None and now - last_change > r.hold_s:
                    r.hold_s, r.hold_at = now - last_change, now - r.play_t0
                last_it, last_change = stats.get("lastIteration"), now
        r.play_t1 = time.monotonic()
        if last_change is not None and r.play_t1 - last_change > r.hold_s:
            r.hold_s, r.hold_at = r.play_t1 - last_change, r.play_t1 - r.play_t0
        r.max_gap_s = r.hold_s  # (deliveries are not visible from here)
        r.play_s = r.play_t1 - r.play_t0
        r.frames = stats["framesDrawn"] - start["framesDrawn"]
        r.asks = stats.get("requests", 0) - start.get("requests", 0)
        r.notes.append(f"starvedTicks {stats.get('starvedTicks', 0) - start.get('starvedTicks', 0)}, "
                       f"lastIteration {stats.get('lastIteration')}")
        head = (await heading.first.text_content() or "").strip()
        m = HEADING_RE.match(head)
        t = time.monotonic()
        await button("Step").click()
        # The Step stops the play; the heading shows the trainer's iteration + 1.
        await page.wait_for_function(
            """(h) => {
                 const e = [...document.querySelectorAll('main h3')]
                     .find(e => /^Iteration \\d+$/.test(e.textContent.trim()));
                 return e && e.textContent.trim() !== h
                     && !document.querySelector('[data-testid="stStatusWidget"]');
               }""",
            arg=head if m else "", timeout=timeout * 1000, polling="raf")
        r.stop_step_ms = 1000 * (time.monotonic() - t)
        n_exc = await page.locator(".stException").count()
        if n_exc:
            r.errors.append(f"{n_exc} exception element(s): "
                            + " | ".join(await page.locator(".stException").all_inner_texts())[:300])
    except Exception as err:
        r.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:300]}")
        if r.play_t0 and not r.play_s:
            r.play_s = time.monotonic() - r.play_t0
    finally:
        await ctx.close()
    return r


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


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q / 100 * len(v)) - 1))]


async def run_round(base: str, pids: list[int], n_proto: int, n_browsers: int, args) -> RoundResult:
    mon = ProcMonitor(pids)
    rss_before = mon.sample()[2] if pids else None
    mon.start()
    c0, t0 = os.times(), time.monotonic()
    total = n_proto + n_browsers
    ramp = args.ramp if args.ramp is not None else min(5.0, 0.1 * total)
    rng = random.Random(args.seed)

    async def delayed(k, coro_fn):
        await asyncio.sleep(ramp * k / max(1, total) + rng.uniform(0, 0.05))
        return await coro_fn()

    tasks = []
    order = list(range(total))
    for k in order:
        if k < n_proto:
            s = ProtoSession(f"p{k:02d}", base, args.page, args.query, args.timeout)
            tasks.append(asyncio.create_task(delayed(k, lambda s=s: s.run(args.steps, args.seconds))))
    pw = browser = None
    if n_browsers:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for j in range(n_browsers):
            k = n_proto + j
            tasks.append(asyncio.create_task(delayed(k, lambda j=j: browser_session(
                browser, f"b{j:02d}", base, args.page, args.query, args.steps, args.seconds, args.timeout))))
    hard_limit = ramp + args.seconds + 6 * args.timeout + 30
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


# ---------------------------------------------------------------- report


def fmt(v, spec=".0f", dash="-"):
    return dash if v is None else format(v, spec)


def judge(rr: RoundResult, rss_limit_mb: float) -> tuple[bool, list[str]]:
    why = []
    slow = [r.name for r in rr.sessions if r.fps < TARGET_FPS]
    err = [r.name for r in rr.sessions if r.errors]
    frozen = [r.name for r in rr.sessions if r.hold_s > TARGET_FREEZE_S]
    if slow:
        why.append(f"{len(slow)} session(s) < {TARGET_FPS:g} frames/s")
    if err:
        why.append(f"{len(err)} session(s) with errors")
    if frozen:
        why.append(f"{len(frozen)} session(s) froze > {TARGET_FREEZE_S:g} s")
    if rr.rss_peak is not None and rr.rss_peak > rss_limit_mb:
        why.append(f"server RSS {rr.rss_peak:.0f} MB > {rss_limit_mb:.0f} MB")
    return not why, why


def report(rr: RoundResult, args, verbose: bool) -> None:
    s = rr.sessions
    fps = [r.fps for r in s]
    steps = [m for r in s for m in r.step_ms]
    stop_steps = [r.stop_step_ms for r in s if r.stop_step_ms is not None]
    gaps = [r.max_gap_s for r in s]
    holds = [r.hold_s for r in s]
    print(f"\n== {rr.n_proto} protocol + {rr.n_browsers} browser sessions, {args.seconds:g} s of play "
          f"(peak {rr.concurrency} playing at once), wall {rr.wall_s:.0f} s")
    if verbose:
        print(f"{'session':8} {'frames/s':>8} {'batches':>7} {'load ms':>8} {'step ms (pre-play)':>22} "
              f"{'stop-step ms':>12} {'freeze s':>8} {'at s':>5} {'stall s':>7} {'gap s':>6} {'starved s':>9}  "
              "errors / notes")
        for r in s:
            print(f"{r.name:8} {r.fps:8.1f} {r.batches:7d} {fmt(r.load_ms):>8} "
                  f"{' '.join(f'{m:.0f}' for m in r.step_ms):>22} {fmt(r.stop_step_ms):>12} "
                  f"{r.hold_s:8.2f} {r.hold_at:5.1f} {r.stall_s:7.2f} {r.max_gap_s:6.2f} {r.starved_s:9.2f}  "
                  + "; ".join(r.errors[:2] + r.notes[:1]))
    ok, why = judge(rr, args.rss_limit_mb)
    print(f"frames/s per session: min {min(fps):.1f}  median {statistics.median(fps):.1f}  max {max(fps):.1f}"
          f"   (target >= {TARGET_FPS:g})")
    print(f"step latency ms: pre-play median {fmt(statistics.median(steps) if steps else None)} "
          f"p95 {fmt(pct(steps, 95))} max {fmt(max(steps) if steps else None)}; "
          f"stop-step (others playing) median {fmt(statistics.median(stop_steps) if stop_steps else None)} "
          f"p95 {fmt(pct(stop_steps, 95))} max {fmt(max(stop_steps) if stop_steps else None)}")
    print(f"freeze (longest time a frame stayed on screen) s: median {statistics.median(holds):.2f} "
          f"max {max(holds):.2f}   (target <= {TARGET_FREEZE_S:g}); display stall max "
          f"{max(r.stall_s for r in s):.2f}; longest gap between batches {max(gaps):.2f}")
    print(f"errors: {sum(1 for r in s if r.errors)} session(s)   (target 0)")
    for r in s:
        for e in r.errors[:3]:
            print(f"  {r.name}: {e}")
    print(f"server CPU {fmt(rr.server_cpu)} % (100 % = one core, {os.cpu_count()} cores), RSS MB before "
          f"{fmt(rr.rss_before)} peak {fmt(rr.rss_peak)} after {fmt(rr.rss_after)} (limit {args.rss_limit_mb:.0f});"
          f" load-test client CPU {fmt(rr.client_cpu)} %")
    if args.rss_every and rr.rss_trace:
        marks = [k * args.rss_every for k in range(int(rr.rss_trace[-1][0] // args.rss_every) + 1)]
        times = [t for t, _ in rr.rss_trace]
        picks = [rr.rss_trace[min(len(times) - 1, bisect.bisect_left(times, m))] for m in marks]
        print("RSS MB over time: " + ", ".join(f"{t / 60:.0f} min {rss:.0f}" for t, rss in picks))
    print("MEETS TARGETS" if ok else "misses targets: " + "; ".join(why))


def summary_row(rr: RoundResult, args) -> dict:
    s = rr.sessions
    steps = [m for r in s for m in r.step_ms]
    stop_steps = [r.stop_step_ms for r in s if r.stop_step_ms is not None]
    ok, why = judge(rr, args.rss_limit_mb)
    return {
        "sessions": rr.n_proto + rr.n_browsers, "browsers": rr.n_browsers,
        "fps_min": min(r.fps for r in s), "fps_median": statistics.median(r.fps for r in s),
        "step_ms_median": statistics.median(steps) if steps else None, "step_ms_p95": pct(steps, 95),
        "stop_step_ms_median": statistics.median(stop_steps) if stop_steps else None,
        "stop_step_ms_p95": pct(stop_steps, 95),
        "freeze_s_max": max(r.hold_s for r in s), "stall_s_max": max(r.stall_s for r in s),
        "gap_s_max": max(r.max_gap_s for r in s),
        "errors": sum(1 for r in s if r.errors), "server_cpu_pct": rr.server_cpu,
        "rss_before_mb": rr.rss_before, "rss_peak_mb": rr.rss_peak, "rss_after_mb": rr.rss_after,
        "client_cpu_pct": rr.client_cpu, "ok": ok, "why": why,
        "browser_fps": [round(r.fps, 1) for r in s if r.kind == "browser"],
    }


def print_summary(rows, args):
    print(f"\n== summary (targets: {TARGET_SESSIONS} sessions, each >= {TARGET_FPS:g} frames/s, 0 errors, "
          f"freeze <= {TARGET_FREEZE_S:g} s, RSS <= {args.rss_limit_mb:.0f} MB)")
    print(f"{'sessions':>8} {'fps min':>7} {'fps med':>7} {'step med':>8} {'step p95':>8} {'stop-step p95':>13} "
          f"{'freeze max':>10} {'stall max':>9} {'gap max':>7} {'errors':>6} {'CPU %':>6} {'RSS peak':>8} "
          f"{'RSS after':>9}  verdict")
    for r in rows:
        print(f"{r['sessions']:8d} {r['fps_min']:7.1f} {r['fps_median']:7.1f} {fmt(r['step_ms_median']):>8} "
              f"{fmt(r['step_ms_p95']):>8} {fmt(r['stop_step_ms_p95']):>13} {r['freeze_s_max']:10.2f} "
              f"{r['stall_s_max']:9.2f} {r['gap_s_max']:7.2f} "
              f"{r['errors']:6d} {fmt(r['server_cpu_pct']):>6} {fmt(r['rss_peak_mb']):>8} {fmt(r['rss_after_mb']):>9}  "
              + ("ok" if r["ok"] else "; ".join(r["why"])))
    passing = [r["sessions"] for r in rows if r["ok"]]
    print(f"largest class size meeting the targets: {max(passing) if passing else 'none of those tried'}"
          f" (target {TARGET_SESSIONS})")


# ---------------------------------------------------------------- main


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=TARGET_SESSIONS, help="protocol sessions (max 60)")
    p.add_argument("--browsers", type=int, default=0, help=f"extra sessions in headless Chromium (max {MAX_BROWSERS})")
    p.add_argument("--seconds", type=float, default=20.0, help="play time per session (default 20)")
    p.add_argument("--steps", type=int, default=3, help="Step clicks before playing")
    p.add_argument("--sweep", default="", help="comma-separated session counts, e.g. 8,15,30 (overrides --sessions)")
    p.add_argument("--url", default="", help="use this server (loopback only), e.g. http://127.0.0.1:8501")
    p.add_argument("--pids", default="", help="server PIDs to measure with --url (comma-separated)")
    p.add_argument("--pids-file", default="", help="file with server PIDs, one per line (deploy/serve.sh writes one)")
    p.add_argument("--page", default="playground")
    p.add_argument("--query", default="stop_at=100000",
                   help="query string of the page (default: stop_at=100000, so play does not stop at 5,000)")
    p.add_argument("--ramp", type=float, default=None,
                   help="spread session starts over this many s (default 0.1 s each, max 5)")
    p.add_argument("--timeout", type=float, default=30.0, help="per wait (page run, step), s")
    p.add_argument("--rss-limit-mb", type=float, default=DEFAULT_RSS_LIMIT_MB)
    p.add_argument("--rss-every", type=float, default=0, help="print the server RSS every this many s (soak)")
    p.add_argument("--pause", type=float, default=3.0, help="s between sweep rounds")
    p.add_argument("--json", default="", help="write the summary rows here")
    p.add_argument("--quiet", action="store_true", help="no per-session table")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    a.sweep_list = [int(x) for x in a.sweep.split(",") if x.strip()] if a.sweep else [a.sessions]
    for n in a.sweep_list:
        if not 0 <= n <= MAX_SESSIONS:
            p.error(f"sessions must be 0..{MAX_SESSIONS}")
    if not 0 <= a.browsers <= MAX_BROWSERS:
        p.error(f"--browsers must be 0..{MAX_BROWSERS}")
    if not 0 < a.seconds <= MAX_SECONDS:
        p.error(f"--seconds must be in (0, {MAX_SECONDS}]")
    if not 0 < a.timeout <= 120:
        p.error("--timeout must be in (0, 120]")
    if a.url:
        host = urlsplit(a.url).hostname
        if host not in LOOPBACK:
            p.error(f"--url must be a loopback address (127.0.0.1 / localhost), not {host!r}")
        a.url = a.url.rstrip("/")
    return a


async def amain(args) -> list[dict]:
    rows = []
    proc = None
    if args.url:
        base = args.url
        wait_healthy(base, 10)
        pids = [int(x) for x in args.pids.split(",") if x.strip()]
        if args.pids_file:
            pids += [int(x) for x in Path(args.pids_file).read_text().split() if x.strip()]
    else:
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"backprop-load-{os.getpid()}" / "server.log"
        base, proc = await asyncio.to_thread(start_server, log)
        pids = [proc.pid]
        print(f"started {base} (pid {proc.pid}, log {log})")
    try:
        # Warm up: one page run so imports/caches are not charged to the first round.
        warm = ProtoSession("warm", base, args.page, args.query, 60)
        await warm.run(0, 0.5)
        for i, n in enumerate(args.sweep_list):
            if i:
                await asyncio.sleep(args.pause)
            rr = await run_round(base, pids, n, args.browsers, args)
            report(rr, args, verbose=not args.quiet)
            rows.append(summary_row(rr, args))
    finally:
        if proc is not None:
            stop_server(proc)
    print_summary(rows, args)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    rows = asyncio.run(amain(args))
    return 0 if rows and all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
