"""Browser benchmark of the default playground (run by hand: `python bench/bench_browser.py [query]`,
e.g. `python bench/bench_browser.py stop_at=100000` so that Play does not stop at iteration 5,000).

Starts its own Streamlit server on a free port, opens /playground in headless Debian Chromium
(/usr/bin/chromium; never `playwright install`) and measures what a student sees:

* Step latency, ~20 clicks: click -> "Iteration N" heading shows N, and click -> settled.
  Settled = the first animation frame at which ALL hold, and still hold on the next frame:
    - the heading reads "Iteration N" and the live view's __backpropLive.lastIteration == N;
    - the page's script state is idle (stApp[data-test-script-state="notRunning"]), no element is
      stale (no [data-stale="true"]) and no status widget ([data-testid="stStatusWidget"]) is shown;
    - there are as many Plotly charts (.js-plotly-plot) as before the click, each plotted
      (gd._fullLayout set, an svg.main-svg inside), and the same chart elements as on the frame before
      (Streamlit remounts a chart whose figure changed: a new element replaces the stale one).
  The click is a DOM click fired from inside the page, so times exclude Playwright's round trip.
* Play for ~10 s: live-view draws per second (framesDrawn delta / s), training iterations per second
  (lastIteration delta / s), and per animation frame whether a chart is missing: a live canvas absent
  or of zero size, blankFrames incremented, or fewer visible plotted Plotly charts than when idle.
* Server CPU % over the play window (utime + stime from /proc/<pid>/stat) and server RSS.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the one server/browser helper is tests.support
from tests.support.server import CHROMIUM, CHROMIUM_ARGS, QUIET, streamlit_server  # noqa: E402

STEP_CLICKS = 20
PLAY_SECONDS = 10.0

# Targets.
STEP_SETTLED_MEDIAN_MS = 300
PLAY_UPDATES_PER_S = 20
PLAY_ITERATIONS_PER_S = 1000
FRAMES_WITHOUT_CHART = 0

# ---------------------------------------------------------------- in-page instrumentation
JS = r"""
(() => {
  const B = window.__bench = {};
  const heading = () => {
    for (const h of document.querySelectorAll('main h3')) {
      const m = /^Iteration (\d+)/.exec(h.textContent);
      if (m) return +m[1];
    }
    return null;
  };
  const plots = () => [...document.querySelectorAll('main .js-plotly-plot')];
  const drawn = (p) => !!p._fullLayout && !!p.querySelector('svg.main-svg');
  const visible = (e) => e.offsetWidth > 0 && e.offsetHeight > 0;
  const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-stale="true"]')
      && !document.querySelector('[data-testid="stStatusWidget"]');
  };
  // The live view is a components-v2 element: its canvases sit in a shadow root under .stBidiComponent.
  let host = null;
  const canvases = () => {
    if (!host || !host.isConnected) {
      host = null;
      for (const c of document.querySelectorAll('main .stBidiComponent *')) if (c.shadowRoot) { host = c; break; }
    }
    return host ? host.shadowRoot.querySelectorAll('canvas.bpl-boundary, canvas.bpl-loss') : [];
  };
  const canvasesOk = () => {
    const cs = canvases();
    return cs.length === 2 && [...cs].every((c) => c.clientWidth >= 2 && c.clientHeight >= 2);
  };
  B.heading = heading;
  B.baseline = () => ({plots: plots().length, visible: plots().filter((p) => visible(p) && drawn(p)).length});

  // Click a button (by its label) and time it: resolves {text, settled} in ms, or null on timeout.
  B.step = (label, n, timeoutMs) => new Promise((resolve) => {
    const base = B.baseline();
    const btn = [...document.querySelectorAll('main button')]
      .find((b) => (b.querySelector('p') || {}).textContent === label);
    const t0 = performance.now();
    let text = null, prev = null, okFrames = 0, missing = 0, ticks = 0;
    btn.click();
    const tick = () => {
      const now = performance.now() - t0;
      ticks++;
      const ps = plots();
      if (ps.filter((p) => visible(p) && drawn(p)).length < base.visible || !canvasesOk()) missing++;
      const h = heading();
      if (text === null && h === n) text = now;
      const live = window.__backpropLive || {};
      const ok = h === n && live.lastIteration === n && idle() && ps.length === base.plots
        && ps.every(drawn) && prev !== null && ps.length === prev.length && ps.every((p, i) => p === prev[i]);
      prev = ps;
      okFrames = ok ? okFrames + 1 : 0;
      if (okFrames >= 2) return resolve({text, settled: now, missing, ticks});
      if (now > timeoutMs) return resolve({text, settled: null, missing, ticks});
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });

  // Per-frame sampler while playing.
  B.startSampler = () => {
    const base = B.baseline();
    const s = B.sample = {ticks: 0, canvasMissing: 0, blankTicks: 0, plotlyMissing: 0, anyMissing: 0,
                          running: true, baseVisible: base.visible, t0: performance.now()};
    let lastBlank = (window.__backpropLive || {}).blankFrames || 0;
    const live0 = window.__backpropLive || {};
    s.last = {ms: 0, iteration: live0.lastIteration, framesDrawn: live0.framesDrawn};
    const tick = () => {
      if (!s.running) return;
      s.ticks++;
      const live = window.__backpropLive || {};
      // Play may stop by itself (Stop at iteration): rates are taken up to the last new iteration.
      if (live.lastIteration !== s.last.iteration) {
        s.last = {ms: performance.now() - s.t0, iteration: live.lastIteration, framesDrawn: live.framesDrawn};
      }
      const c = !canvasesOk();
      const b = (live.blankFrames || 0) > lastBlank;
      lastBlank = live.blankFrames || 0;
      const p = plots().filter((q) => visible(q) && drawn(q)).length < base.visible;
      s.canvasMissing += c; s.blankTicks += b; s.plotlyMissing += p; s.anyMissing += (c || b || p);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  B.stopSampler = () => { B.sample.running = false; B.sample.ms = performance.now() - B.sample.t0; return B.sample; };
})();
"""




# ---------------------------------------------------------------- server
def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mb(pid):
    m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) / 1024


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(q / 100 * (len(v) - 1))))]


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found (apt-get install chromium); never `playwright install`")
    from playwright.sync_api import expect, sync_playwright

    log = Path(tempfile.gettempdir()) / f"bench_browser_streamlit_{os.getpid()}.log"
    with streamlit_server(log) as (base, proc), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        query = sys.argv[1] if len(sys.argv) > 1 else ""  # e.g. stop_at=100000 (default: the default playground)
        # Warm the server first: on a fresh process a deep link's query is dropped (ui/boot.py switch_page).
        page.goto(base + "/")
        expect(page.locator("main h1").first).to_have_text("Backprop Lab", timeout=60_000)
        page.goto(base + "/playground" + (f"?{query}" if query else ""))
        expect(page.locator("main h1").first).to_have_text("Playground", timeout=60_000)
        page.wait_for_function("window.__backpropLive && window.__backpropLive.lastIteration === 0", timeout=30_000)
        page.wait_for_function(QUIET, arg=500, polling=100, timeout=30_000)
        page.evaluate(JS)
        base_charts = page.evaluate("window.__bench.baseline()")
        rss_idle = rss_mb(proc.pid)
        cores = os.cpu_count()

        print(f"Backprop Lab browser bench · playground{'?' + query if query else ' (default)'} · "
              f"server pid {proc.pid} · {cores} cores")
        print(f"Plotly charts on the page: {base_charts['plots']} ({base_charts['visible']} visible in the open tab)")

        # -------------------------------------------------- Step latency
        # First click adds the "Rewind to iteration" slider (a layout change): report it apart.
        first = page.evaluate("window.__bench.step('Step', 1, 5000)")
        text_ms, settled_ms, missing, ticks, timeouts = [], [], 0, 0, 0
        for _ in range(STEP_CLICKS):
            page.wait_for_function(QUIET, arg=150, polling=50, timeout=30_000)
            n = page.evaluate("window.__bench.heading()") + 1
            r = page.evaluate(f"window.__bench.step('Step', {n}, 5000)")
            if r["text"] is not None:
                text_ms.append(r["text"])
            if r["settled"] is None:
                timeouts += 1
            else:
                settled_ms.append(r["settled"])
            missing += r["missing"]
            ticks += r["ticks"]
        print()
        print(f"Step (first click, 0 -> 1, adds the rewind slider): text {first['text']:.0f} ms, "
              f"settled {first['settled'] if first['settled'] is None else round(first['settled'])} ms")
        print(f"Step x{STEP_CLICKS} (1 -> {STEP_CLICKS + 1}):")
        print(f"  click -> 'Iteration N' text : median {statistics.median(text_ms):6.0f} ms   "
              f"p90 {pct(text_ms, 90):6.0f} ms   (n={len(text_ms)})")
        if settled_ms:
            med = statistics.median(settled_ms)
            print(f"  click -> all charts settled : median {med:6.0f} ms   p90 {pct(settled_ms, 90):6.0f} ms   "
                  f"(n={len(settled_ms)}, timeouts {timeouts})   target median <= {STEP_SETTLED_MEDIAN_MS} ms"
                  f"   {verdict(med <= STEP_SETTLED_MEDIAN_MS and not timeouts)}")
        else:
            print(f"  click -> all charts settled : never within 5 s ({timeouts} timeouts)   FAIL")
        print(f"  frames with a chart missing during steps: {missing} of {ticks} ({missing / max(ticks, 1):.1%})")

        # -------------------------------------------------- Play
        page.wait_for_function(QUIET, arg=300, polling=100, timeout=30_000)
        page.locator("main").get_by_role("button", name=re.compile(r"^Play( Shortcut .*)?$")).click()
        page.wait_for_function("window.__backpropLive.requests > 0", timeout=10_000)  # the stream is going
        live0 = page.evaluate("({...window.__backpropLive})")
        page.evaluate("window.__bench.startSampler()")
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        rss_peak = rss_mb(proc.pid)
        while time.monotonic() - t0 < PLAY_SECONDS:
            time.sleep(0.5)
            rss_peak = max(rss_peak, rss_mb(proc.pid))
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        sample = page.evaluate("window.__bench.stopSampler()")
        live1 = page.evaluate("({...window.__backpropLive})")
        page.locator("main").get_by_role("button", name=re.compile(r"^Pause( Shortcut .*)?$")).click()
        secs = sample["ms"] / 1000
        last = sample["last"]
        stopped = last["ms"] < sample["ms"] - 1000  # no new iteration in the last second: play had stopped
        active = last["ms"] / 1000 if stopped else secs
        ups = (last["framesDrawn"] - live0["framesDrawn"]) / active
        ips = (last["iteration"] - live0["lastIteration"]) / active
        print()
        print(f"Play for {secs:.1f} s (iterations {live0['lastIteration']} -> {live1['lastIteration']})"
              + (f"; play stopped by itself after {active:.1f} s (Stop at iteration): rates over those"
                 if stopped else "") + ":")
        print(f"  visible live-view updates  : {ups:7.1f} /s      target >= {PLAY_UPDATES_PER_S} /s   "
              f"{verdict(ups >= PLAY_UPDATES_PER_S)}")
        print(f"  training iterations        : {ips:7.1f} /s      target >= {PLAY_ITERATIONS_PER_S} /s   "
              f"{verdict(ips >= PLAY_ITERATIONS_PER_S)}")
        print(f"  animation frames sampled   : {sample['ticks']} ({sample['ticks'] / secs:.0f} /s); "
              f"live view starved ticks {live1['starvedTicks'] - live0['starvedTicks']}, "
              f"frame requests {live1['requests'] - live0['requests']}, last draw {live1['lastDrawMs']} ms")
        print(f"  frames without their chart : {sample['anyMissing']} of {sample['ticks']} "
              f"({sample['anyMissing'] / max(sample['ticks'], 1):.1%})   target {FRAMES_WITHOUT_CHART}   "
              f"{verdict(sample['anyMissing'] <= FRAMES_WITHOUT_CHART)}")
        print(f"      live canvas absent/0-size {sample['canvasMissing']}, blankFrames ticks {sample['blankTicks']}, "
              f"Plotly charts missing (< {sample['baseVisible']} visible & plotted) {sample['plotlyMissing']}")
        print(f"  server CPU                 : {100 * (c1 - c0) / (t1 - t0):5.0f} % of one core "
              f"({cores} cores)")
        print(f"  server RSS                 : {rss_idle:.0f} MB idle before, {rss_peak:.0f} MB peak while playing")
        if errors:
            print(f"\npage errors: {errors}")
        browser.close()


if __name__ == "__main__":
    main()
