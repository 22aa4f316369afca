"""Load test of the playground: N concurrent sessions against a real Streamlit server.

Run by hand (bounded in time and count, loopback only, stops by itself):

    python bench/load_test.py --sessions 30 --seconds 20
    python bench/load_test.py --sweep 8,15,30 --seconds 20 --browsers 2
    python bench/load_test.py --sessions 30 --seconds 20 --repeat 5
    python bench/load_test.py --sessions 30 --seconds 20 --repeat 5 --repo /work/wt-before
    python bench/load_test.py --url http://127.0.0.1:8080 --pids-file /tmp/x/pids --sessions 30

Without ``--url`` it starts its own ``streamlit run app.py`` on a free 127.0.0.1 port (headless,
file watcher off) and stops it at the end: from this checkout, or from the checkout ``--repo`` (to
measure other code, e.g. the code before a change, with the same load test), with ``--python``
(default: that checkout's .venv/bin/python if there is one, else this interpreter). ``--repeat N``
plays N consecutive rounds against the same server, one summary row each, and says how many of
the N met the targets.

Each session: GET /playground (keeps the cookies, so a sticky proxy sees a browser), opens the
WebSocket, runs the page, clicks Step ``--steps`` times, clicks Play, plays ``--seconds``, then
clicks Step once more (a step "under load": it stops the play) and leaves.

Most sessions (``--sessions``) are tests.support.protocol's ``ProtoSession``: a simulated tab
speaking Streamlit's WebSocket protocol and playing the frames as ui/live/player.js does, with the
pacing numbers of the payload (see that module). ``--browsers K`` adds K sessions in headless Debian
Chromium (Playwright, never ``playwright install``); their frame rate is
``window.__backpropLive.framesDrawn``.

Measured per session: frames delivered per second while playing (frames in new-seq payloads),
step latency (click sent -> the ForwardMsg showing the expected iteration: the stage's still payload
whose last frame it is, or the heading "Iteration N" on a page that has one, as the playground had
up to commit c098d92), errors (exception elements, timeouts, disconnects), freeze (longest time one
frame stayed on screen while playing: what a student sees), display stall (longest time the player
had no frame left to show), gap (longest time between two batches arriving; a batch holds up to
~1 s of frames); bytes per frame (the ``json`` of the playing batches over the frames they carried)
and KB/s per playing session (that json, and every ForwardMsg on the wire); for the server(s): CPU %
(of one core; 200 % = both cores; also per playing session: over the peak number playing at once)
and RSS from /proc/<pid>.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the tests' server and protocol helpers are shared
from tests.support.protocol import Plan, ProtoSession, RoundResult, SessionResult, run_round  # noqa: E402
from tests.support.server import start_server, stop_server, wait_healthy  # noqa: E402

MAX_SESSIONS = 60
MAX_BROWSERS = 6
MAX_SECONDS = 1800  # a 30-minute soak (with --rss-every 60)
MAX_REPEAT = 10
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Targets (printed next to the results).
TARGET_SESSIONS = 30
TARGET_FPS = 10.0
TARGET_FREEZE_S = 1.0
DEFAULT_RSS_LIMIT_MB = 2048


# ---------------------------------------------------------------- browser session (Playwright)

LIVE_JS = "window.__backpropLive"
# The iteration the page shows: its "Iteration N" heading (the lessons; the playground up to commit
# c098d92), else the one the stage drew last (ui/live/live.js).
ITERATION_JS = """() => {
  const h = [...document.querySelectorAll('main h3')].map(e => e.textContent.trim())
      .find(t => /^Iteration \\d+$/.test(t));
  if (h) return +h.slice('Iteration '.length);
  const s = window.__backpropLive;
  return s ? s.lastIteration : null;
}"""


async def browser_session(browser, name: str, base: str, plan: Plan) -> SessionResult:
    """One session in a real browser tab (for run_round); same scenario as a ProtoSession."""
    page_path, query, steps, play_seconds, timeout = plan.page, plan.query, plan.steps, plan.seconds, plan.timeout
    r = SessionResult(name, kind="browser")
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(timeout * 1000)
    page = await ctx.new_page()
    page.on("pageerror", lambda e: r.errors.append(f"page error: {e}"))
    heading = page.locator("main h3").filter(has_text=re.compile(r"^Iteration \d+$"))

    def button(label):
        return page.locator("main").get_by_role("button", name=re.compile(rf"^{re.escape(label)}( Shortcut .*)?$"))

    async def wait_iteration(n):
        await page.wait_for_function(f"(n) => ({ITERATION_JS})() === n", arg=n, timeout=timeout * 1000,
                                     polling="raf")

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
        head = (await heading.first.text_content() or "").strip() if await heading.count() else None
        t = time.monotonic()
        await button("Step").click()
        # The Step stops the play and shows the trainer's iteration + 1 (the browser does not know which:
        # the server trains ahead of the film): a new heading, or, on the stage, Play in place of Pause.
        if head is not None:
            await page.wait_for_function(
                """(h) => {
                     const e = [...document.querySelectorAll('main h3')]
                         .find(e => /^Iteration \\d+$/.test(e.textContent.trim()));
                     return e && e.textContent.trim() !== h
                         && !document.querySelector('[data-testid="stStatusWidget"]');
                   }""",
                arg=head, timeout=timeout * 1000, polling="raf")
        else:
            await button("Play").wait_for()
            await page.wait_for_function(
                """() => !document.querySelector('[data-testid="stStatusWidget"]')""",
                timeout=timeout * 1000, polling="raf")
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


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q / 100 * len(v)) - 1))]


# ---------------------------------------------------------------- report


def fmt(v, spec=".0f", dash="-"):
    return dash if v is None else format(v, spec)


def traffic(rr: RoundResult) -> dict:
    """Bytes per frame and KB/s per playing session (protocol sessions: browsers do not count bytes), and
    the server's CPU per playing session (over the peak number playing at once: the CPU is measured
    while everybody plays)."""
    played = [r for r in rr.sessions if r.kind == "proto" and r.payload_frames and r.play_s > 0]
    frames = sum(r.payload_frames for r in played)
    return {
        "bytes_per_frame": sum(r.payload_bytes for r in played) / frames if frames else None,
        "kb_s_per_session": statistics.mean(r.payload_kb_s for r in played) if played else None,
        "wire_kb_s_per_session": statistics.mean(r.wire_kb_s for r in played) if played else None,
        "cpu_pct_per_session": rr.server_cpu / rr.concurrency if rr.server_cpu is not None and rr.concurrency
        else None,
    }


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


def report(rr: RoundResult, args, verbose: bool, title: str = "") -> None:
    s = rr.sessions
    fps = [r.fps for r in s]
    steps = [m for r in s for m in r.step_ms]
    stop_steps = [r.stop_step_ms for r in s if r.stop_step_ms is not None]
    gaps = [r.max_gap_s for r in s]
    holds = [r.hold_s for r in s]
    print(f"\n== {title}{rr.n_proto} protocol + {rr.n_browsers} browser sessions, {args.seconds:g} s of play "
          f"(peak {rr.concurrency} playing at once), wall {rr.wall_s:.0f} s")
    if verbose:
        print(f"{'session':8} {'frames/s':>8} {'batches':>7} {'load ms':>8} {'step ms (pre-play)':>22} "
              f"{'stop-step ms':>12} {'freeze s':>8} {'at s':>5} {'stall s':>7} {'gap s':>6} {'starved s':>9} "
              f"{'B/frame':>7} {'KB/s':>6}  errors / notes")
        for r in s:
            print(f"{r.name:8} {r.fps:8.1f} {r.batches:7d} {fmt(r.load_ms):>8} "
                  f"{' '.join(f'{m:.0f}' for m in r.step_ms):>22} {fmt(r.stop_step_ms):>12} "
                  f"{r.hold_s:8.2f} {r.hold_at:5.1f} {r.stall_s:7.2f} {r.max_gap_s:6.2f} {r.starved_s:9.2f} "
                  f"{fmt(r.bytes_per_frame):>7} {r.payload_kb_s:6.1f}  " + "; ".join(r.errors[:2] + r.notes[:1]))
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
    t = traffic(rr)
    print(f"bytes per frame {fmt(t['bytes_per_frame'])} (stage json of playing batches / their frames); "
          f"per playing session: stage json {fmt(t['kb_s_per_session'], '.1f')} KB/s, all ForwardMsgs "
          f"{fmt(t['wire_kb_s_per_session'], '.1f')} KB/s")
    print(f"server CPU per playing session {fmt(t['cpu_pct_per_session'], '.1f')} % "
          f"(server CPU / {rr.concurrency} playing at once)")
    print(f"server CPU {fmt(rr.server_cpu)} % (100 % = one core, {os.cpu_count()} cores), RSS MB before "
          f"{fmt(rr.rss_before)} peak {fmt(rr.rss_peak)} after {fmt(rr.rss_after)} (limit {args.rss_limit_mb:.0f});"
          f" load-test client CPU {fmt(rr.client_cpu)} %")
    if args.rss_every and rr.rss_trace:
        marks = [k * args.rss_every for k in range(int(rr.rss_trace[-1][0] // args.rss_every) + 1)]
        times = [t for t, _ in rr.rss_trace]
        picks = [rr.rss_trace[min(len(times) - 1, bisect.bisect_left(times, m))] for m in marks]
        print("RSS MB over time: " + ", ".join(f"{t / 60:.0f} min {rss:.0f}" for t, rss in picks))
    print("MEETS TARGETS" if ok else "misses targets: " + "; ".join(why))


def summary_row(rr: RoundResult, args, run: int = 1) -> dict:
    s = rr.sessions
    steps = [m for r in s for m in r.step_ms]
    stop_steps = [r.stop_step_ms for r in s if r.stop_step_ms is not None]
    ok, why = judge(rr, args.rss_limit_mb)
    return {
        "code": args.code, "run": run, "sessions": rr.n_proto + rr.n_browsers, "browsers": rr.n_browsers,
        "playing_at_once": rr.concurrency, **traffic(rr),
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
    print(f"\n== summary, code {args.code} (targets: {TARGET_SESSIONS} sessions, each >= {TARGET_FPS:g} frames/s, "
          f"0 errors, freeze <= {TARGET_FREEZE_S:g} s, RSS <= {args.rss_limit_mb:.0f} MB)")
    print(f"{'run':>3} {'sessions':>8} {'fps min':>7} {'fps med':>7} {'step med':>8} {'step p95':>8} "
          f"{'stop-step p95':>13} {'freeze max':>10} {'stall max':>9} {'gap max':>7} {'errors':>6} {'CPU %':>6} "
          f"{'CPU/sess':>8} {'B/frame':>7} {'KB/s/sess':>9} {'RSS peak':>8} {'RSS after':>9}  verdict")
    for r in rows:
        print(f"{r['run']:3d} {r['sessions']:8d} {r['fps_min']:7.1f} {r['fps_median']:7.1f} "
              f"{fmt(r['step_ms_median']):>8} {fmt(r['step_ms_p95']):>8} {fmt(r['stop_step_ms_p95']):>13} "
              f"{r['freeze_s_max']:10.2f} {r['stall_s_max']:9.2f} {r['gap_s_max']:7.2f} {r['errors']:6d} "
              f"{fmt(r['server_cpu_pct']):>6} {fmt(r['cpu_pct_per_session'], '.1f'):>8} "
              f"{fmt(r['bytes_per_frame']):>7} {fmt(r['kb_s_per_session'], '.1f'):>9} "
              f"{fmt(r['rss_peak_mb']):>8} {fmt(r['rss_after_mb']):>9}  "
              + ("ok" if r["ok"] else "; ".join(r["why"])))
    for n in dict.fromkeys(r["sessions"] for r in rows):
        runs = [r for r in rows if r["sessions"] == n]
        print(f"{n} sessions: {sum(r['ok'] for r in runs)} of {len(runs)} runs met the targets")
    passing = [r["sessions"] for r in rows if r["ok"]]
    print(f"largest class size meeting the targets: {max(passing) if passing else 'none of those tried'}"
          f" (target {TARGET_SESSIONS})")


# ---------------------------------------------------------------- main


def code_label(repo: Path) -> str:
    """The checkout's commit (``-dirty`` with uncommitted changes to tracked files) and its path."""
    try:
        commit = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{commit or '?'} ({repo})"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=TARGET_SESSIONS, help="protocol sessions (max 60)")
    p.add_argument("--browsers", type=int, default=0, help=f"extra sessions in headless Chromium (max {MAX_BROWSERS})")
    p.add_argument("--seconds", type=float, default=Plan.seconds,
                   help=f"play time per session (default {Plan.seconds:g})")
    p.add_argument("--steps", type=int, default=Plan.steps, help="Step clicks before playing")
    p.add_argument("--sweep", default="", help="comma-separated session counts, e.g. 8,15,30 (overrides --sessions)")
    p.add_argument("--url", default="", help="use this server (loopback only), e.g. http://127.0.0.1:8501")
    p.add_argument("--pids", default="", help="server PIDs to measure with --url (comma-separated)")
    p.add_argument("--pids-file", default="", help="file with server PIDs, one per line (deploy/serve.sh writes one)")
    p.add_argument("--page", default=Plan.page)
    p.add_argument("--query", default=Plan.query,
                   help=f"query string of the page (default: {Plan.query}, so play does not stop at 5,000)")
    p.add_argument("--ramp", type=float, default=None,
                   help="spread session starts over this many s (default 0.1 s each, max 5)")
    p.add_argument("--timeout", type=float, default=Plan.timeout, help="per wait (page run, step), s")
    p.add_argument("--rss-limit-mb", type=float, default=DEFAULT_RSS_LIMIT_MB)
    p.add_argument("--rss-every", type=float, default=0, help="print the server RSS every this many s (soak)")
    p.add_argument("--repeat", type=int, default=1,
                   help=f"consecutive rounds per session count, one summary row each (max {MAX_REPEAT})")
    p.add_argument("--repo", default="",
                   help="start the server from this checkout instead of this one (e.g. a worktree of older code)")
    p.add_argument("--python", default="",
                   help="the server's python (default: REPO/.venv/bin/python if it exists, else this one)")
    p.add_argument("--label", default="", help="name of the code measured in the summary (default: its git commit)")
    p.add_argument("--pause", type=float, default=3.0, help="s between rounds")
    p.add_argument("--json", default="", help="write the summary rows here")
    p.add_argument("--quiet", action="store_true", help="no per-session table")
    p.add_argument("--seed", type=int, default=Plan.seed)
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
    if not 1 <= a.repeat <= MAX_REPEAT:
        p.error(f"--repeat must be 1..{MAX_REPEAT}")
    if a.repo and a.url:
        p.error("--repo starts a server; --url uses one already running: not both")
    a.repo = Path(a.repo).resolve() if a.repo else REPO
    if not (a.repo / "app.py").is_file():
        p.error(f"--repo: no app.py in {a.repo}")
    venv = a.repo / ".venv" / "bin" / "python"
    a.python = a.python or (str(venv) if venv.exists() else sys.executable)
    a.code = a.label or (f"at {a.url}" if a.url else code_label(a.repo))
    if a.url:
        host = urlsplit(a.url).hostname
        if host not in LOOPBACK:
            p.error(f"--url must be a loopback address (127.0.0.1 / localhost), not {host!r}")
        a.url = a.url.rstrip("/")
    a.plan = Plan(seconds=a.seconds, steps=a.steps, page=a.page, query=a.query, ramp=a.ramp, timeout=a.timeout,
                  seed=a.seed)
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
        base, proc = await asyncio.to_thread(start_server, log, args.repo, args.python)
        pids = [proc.pid]
        print(f"started {base} from {args.repo} with {args.python} (pid {proc.pid}, log {log})")
    try:
        # Warm up: a page run on every server so imports/caches are not charged to the first round. Behind
        # nginx a new session lands on a replica at random (the sticky cookie): 4 per replica miss one of two
        # with probability 2 / 2**8.
        warm = [ProtoSession(f"warm{k}", base, args.page, args.query, 60)
                for k in range(1 if len(pids) <= 1 else 4 * len(pids))]
        await asyncio.gather(*(w.run(0, 0.5) for w in warm))
        rounds = [(n, k) for n in args.sweep_list for k in range(1, args.repeat + 1)]
        for i, (n, k) in enumerate(rounds):
            if i:
                await asyncio.sleep(args.pause)
            rr = await run_round(base, pids, args.plan, n, args.browsers, browser_session)
            report(rr, args, verbose=not args.quiet, title=f"{args.code}, run {k} of {args.repeat}: ")
            rows.append(summary_row(rr, args, k))
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
