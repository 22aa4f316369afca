"""Browser benchmark of the playground's stage (run by hand: `python bench/bench_browser.py [query]`).

The query picks the playground (stop_at so that Play does not stop at iteration 5,000), e.g.
    the default network:  python bench/bench_browser.py stop_at=100000
    the book preset:      python bench/bench_browser.py 'dataset=spiral&hidden=64relu&optimizer=adam
                          &learning_rate=0.05&decay=5e-7&test_fraction=0&stop_at=100000'   (one line)
    a wide one:           python bench/bench_browser.py 'hidden=128relu-128relu&stop_at=100000'

Starts its own Streamlit server on a free port, opens /playground in headless Debian Chromium
(/usr/bin/chromium; never `playwright install`) and measures what a student sees. The stage (ui/live) draws
the network, the decision boundary and the loss curve on three canvases and its own status line
("Iteration N · loss …"), in a shadow root; window.__backpropLive is its stats object.

* Step latency, phases off (the stage's "Step" select set to "instant" first), ~20 clicks: click -> the
  status line reads "Iteration N", and click -> settled. Settled = the first animation frame at which ALL
  hold, and still hold on the next frame:
    - the status line reads "Iteration N ·", __backpropLive.lastIteration == N and drawnIteration == N
      (the network, the boundary and the loss canvas all drew frame N in one draw);
    - the three canvases are there, of non-zero size;
    - the page's script state is idle (stApp[data-test-script-state="notRunning"]), no element is
      stale (no [data-stale="true"]) and no status widget ([data-testid="stStatusWidget"]) is shown;
    - any Plotly charts elsewhere on the page (the tabs) are as many as before the click, each plotted,
      and the same elements as on the frame before (Streamlit remounts a chart whose figure changed).
  The click is a DOM click fired from inside the page, so times exclude Playwright's round trip. Where the
  time goes: click -> the server's last WebSocket message before settling (its rerun done), click -> the
  payload reaching the stage (Streamlit's frontend has taken the rerun in), and the stage's draw time.
* Play for ~10 s: visible updates of the WHOLE stage per second (animation frames at which a new frame
  had been drawn on all three canvases: drawnIteration changed), training iterations per second
  (lastIteration delta / s), and per animation frame whether the stage is missing a drawing: a canvas
  absent or of zero size, blankFrames incremented, a draw that did not draw all three canvases
  (framesDrawn - stageDraws grew), or the frame on screen not drawn on all three (drawnIteration !=
  lastIteration). Also the draw time per frame (__backpropLive.lastDrawMs) and the payload: WebSocket
  bytes received (message sizes as the page sees them, after any permessage-deflate) per frame carried.
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
FRAMES_WITHOUT_DRAWINGS = 0

# Before any page script: count the bytes of every WebSocket message the page receives (Streamlit's
# one socket carries the payloads).
WS_HOOK = r"""
(() => {
  const Native = window.WebSocket;
  const W = window.__wsBytes = {bytes: 0, messages: 0};
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        W.bytes += typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
        W.messages++;
        W.at = performance.now();
      });
    }
  };
})();
"""

# ---------------------------------------------------------------- in-page instrumentation
JS = r"""
(() => {
  const B = window.__bench = {};
  const live = () => window.__backpropLive || {};
  // The stage is a components-v2 element: its DOM may sit in a shadow root under .stBidiComponent.
  let host = null;
  const stageRoot = () => {
    if (!host || !host.isConnected) {
      host = null;
      for (const c of document.querySelectorAll('main .stBidiComponent *')) if (c.shadowRoot) { host = c; break; }
    }
    return host ? host.shadowRoot : document.querySelector('main .stBidiComponent');
  };
  const statusIteration = () => {
    const root = stageRoot(), el = root && root.querySelector('.bpl-status');
    const m = el && /^Iteration (\d+) ·/.exec(el.textContent);
    return m ? +m[1] : null;
  };
  // Each canvas's CSS size and backing store, for the report of a frame without its drawings.
  const canvasSizes = () => {
    const root = stageRoot();
    if (!root) return 'no stage';
    return ['net', 'boundary', 'loss'].map((k) => {
      const c = root.querySelector('canvas.bpl-' + k);
      return c ? `${k} ${c.clientWidth}x${c.clientHeight} (${c.width}x${c.height})` : `${k} absent`;
    }).join(', ');
  };
  // The ancestors of the network canvas (across the shadow root) with no size, up to the first one with a
  // size: which element hid the stage.
  const collapsed = () => {
    const root = stageRoot(), chain = [];
    const name = (e) => `${e.tagName.toLowerCase()}${e.dataset && e.dataset.testid ? `[${e.dataset.testid}]` : ''}`
      + `.${[...e.classList].slice(0, 2).join('.')} ${e.offsetWidth}x${e.offsetHeight}`;
    let el = root && root.querySelector('canvas.bpl-net');
    while (el && (el.offsetWidth === 0 || el.offsetHeight === 0)) {
      chain.push(`${name(el)} display:${getComputedStyle(el).display}`);
      el = el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
    }
    return (chain.slice(-2).join(' < ') || 'none') + (el ? ` (inside ${name(el)})` : '');
  };
  const canvasesOk = () => {
    const root = stageRoot();
    const cs = root ? root.querySelectorAll('canvas.bpl-net, canvas.bpl-boundary, canvas.bpl-loss') : [];
    return cs.length === 3
      && [...cs].every((c) => c.clientWidth >= 2 && c.clientHeight >= 2 && c.width > 0 && c.height > 0);
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
  B.statusIteration = statusIteration;
  // The stage's payloads as they reach it: count them, their frames and their size (JSON characters, as
  // Streamlit carries them). Wraps the player's ingest (the instance hangs off .bpl-root as __bpl).
  B.hookPayloads = () => {
    const root = stageRoot(), el = root && root.querySelector('.bpl-root'), S = el && el.__bpl;
    if (!S) return false;
    const P = B.payloads = {count: 0, frames: 0, chars: 0};
    const ingest = S.player.ingest.bind(S.player);
    S.player.ingest = (d, frames) => {
      P.count++;
      P.frames += (d && d.frames || []).length;
      P.chars += JSON.stringify(d).length;
      if (B.firstIngest === null) B.firstIngest = performance.now();
      return ingest(d, frames);
    };
    return true;
  };
  B.baseline = () => ({plots: plots().length, visible: plots().filter((p) => visible(p) && drawn(p)).length,
                       canvases: canvasesOk()});

  // Click a button (by its label) and time it: resolves {text, settled} in ms (settled null on timeout).
  B.step = (label, n, timeoutMs) => new Promise((resolve) => {
    const base = B.baseline();
    const btn = [...document.querySelectorAll('main button')]
      .find((b) => (b.querySelector('p') || {}).textContent === label);
    const t0 = performance.now();
    let text = null, prev = null, okFrames = 0, missing = 0, ticks = 0;
    const drawMs = [];
    let drawsSeen = live().framesDrawn;
    B.firstIngest = null;
    btn.click();
    const tick = () => {
      const now = performance.now() - t0;
      ticks++;
      const L = live();
      if (L.framesDrawn !== drawsSeen) { drawsSeen = L.framesDrawn; drawMs.push(L.lastDrawMs); }
      const ps = plots();
      const canv = canvasesOk();
      if (ps.filter((p) => visible(p) && drawn(p)).length < base.visible || !canv) missing++;
      const s = statusIteration();
      if (text === null && s === n) text = now;
      const ok = s === n && L.lastIteration === n && L.drawnIteration === n && canv && idle()
        && ps.length === base.plots && ps.every(drawn)
        && prev !== null && ps.length === prev.length && ps.every((p, i) => p === prev[i]);
      prev = ps;
      okFrames = ok ? okFrames + 1 : 0;
      // Where the time went: the server's last message before settling, the payload reaching the stage.
      const split = () => ({server: window.__wsBytes && window.__wsBytes.at > t0 ? window.__wsBytes.at - t0 : null,
                            ingest: B.firstIngest === null ? null : B.firstIngest - t0});
      if (okFrames >= 2) return resolve({text, settled: now, missing, ticks, drawMs, ...split()});
      if (now > timeoutMs) return resolve({text, settled: null, missing, ticks, drawMs, ...split()});
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });

  // Per-frame sampler while playing.
  B.startSampler = () => {
    const base = B.baseline();
    const L0 = live();
    const s = B.sample = {ticks: 0, updates: 0, canvasMissing: 0, blankTicks: 0, partialTicks: 0, undrawnTicks: 0,
                          plotlyMissing: 0, anyMissing: 0, drawMs: [], drawnAt: [], missingLog: [], running: true,
                          baseVisible: base.visible, t0: performance.now()};
    let lastBlank = L0.blankFrames || 0, lastPartial = L0.framesDrawn - L0.stageDraws;
    let lastDrawn = L0.drawnIteration, drawsSeen = L0.framesDrawn;
    const snap = (L) => ({ms: performance.now() - s.t0, iteration: L.lastIteration, updates: s.updates,
                          stageDraws: L.stageDraws, framesDrawn: L.framesDrawn,
                          payloads: {...(B.payloads || {})}, wsBytes: (window.__wsBytes || {}).bytes});
    s.first = snap(L0);
    s.last = s.first;
    const tick = () => {
      if (!s.running) return;
      s.ticks++;
      const L = live();
      if (L.framesDrawn !== drawsSeen) { drawsSeen = L.framesDrawn; s.drawMs.push(L.lastDrawMs); }
      if (L.drawnIteration !== lastDrawn) {
        lastDrawn = L.drawnIteration;
        s.updates++;
        s.drawnAt.push([performance.now() - s.t0, L.drawnIteration]);
      }
      // Play may stop by itself (Stop at iteration): rates are taken up to the last new iteration.
      if (L.lastIteration !== s.last.iteration) s.last = snap(L);
      const c = !canvasesOk();
      const b = (L.blankFrames || 0) > lastBlank;
      lastBlank = L.blankFrames || 0;
      const partial = L.framesDrawn - L.stageDraws;
      const q = partial > lastPartial;
      lastPartial = partial;
      const u = L.drawnIteration !== L.lastIteration;
      const p = plots().filter((x) => visible(x) && drawn(x)).length < base.visible;
      s.canvasMissing += c; s.blankTicks += b; s.partialTicks += q; s.undrawnTicks += u; s.plotlyMissing += p;
      s.anyMissing += (c || b || q || u || p);
      if ((c || b || q || u || p) && s.missingLog.length < 5) {
        s.missingLog.push({ms: Math.round(performance.now() - s.t0), absent: c, blank: b, partial: q, undrawn: u,
                           plotly: p, shown: L.lastIteration, drawn: L.drawnIteration, sizes: canvasSizes(),
                           collapsed: c ? collapsed() : null,
                           script: document.querySelector('[data-testid="stApp"]')
                             ?.getAttribute('data-test-script-state')});
      }
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


def ms_summary(values):
    if not values:
        return "none"
    return (f"median {statistics.median(values):.1f} ms, p90 {pct(values, 90):.1f} ms, max {max(values):.1f} ms "
            f"(n={len(values)})")


def ms_or_never(v):
    return "never" if v is None else f"{v:.0f} ms"


def main():
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found (apt-get install chromium); never `playwright install`")
    from playwright.sync_api import expect, sync_playwright

    log = Path(tempfile.gettempdir()) / f"bench_browser_streamlit_{os.getpid()}.log"
    with streamlit_server(log) as (base, proc), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(WS_HOOK)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        query = sys.argv[1] if len(sys.argv) > 1 else ""  # e.g. stop_at=100000 (default: the default playground)
        # Warm the server first: on a fresh process a deep link's query is dropped (ui/boot.py switch_page).
        page.goto(base + "/")
        expect(page.locator("main h1").first).to_have_text("Backprop Lab", timeout=60_000)
        page.goto(base + "/playground" + (f"?{query}" if query else ""))
        expect(page.locator("main h1").first).to_have_text("Playground", timeout=60_000)
        page.wait_for_function("window.__backpropLive && window.__backpropLive.drawnIteration === 0", timeout=30_000)
        page.wait_for_function(QUIET, arg=500, polling=100, timeout=30_000)
        # Phases off: a Step shows its final state at once (Playwright's locators pierce the shadow root).
        page.locator("select.bpl-phases").select_option("0")
        page.wait_for_function(QUIET, arg=500, polling=100, timeout=30_000)
        page.evaluate(JS)
        hooked = page.evaluate("window.__bench.hookPayloads()")
        base_charts = page.evaluate("window.__bench.baseline()")
        if not base_charts["canvases"]:
            raise SystemExit("the stage's three canvases are not all there (canvas.bpl-net, .bpl-boundary, .bpl-loss)")
        rss_idle = rss_mb(proc.pid)
        cores = os.cpu_count()

        print(f"Backprop Lab browser bench · playground{'?' + query if query else ' (default)'} · "
              f"server pid {proc.pid} · {cores} cores · load average {os.getloadavg()[0]:.2f}")
        print(f"Plotly charts elsewhere on the page: {base_charts['plots']} ({base_charts['visible']} visible)")

        # -------------------------------------------------- Step latency
        # First click adds the "Rewind to iteration" slider (a layout change): report it apart.
        first = page.evaluate("window.__bench.step('Step', 1, 5000)")
        text_ms, settled_ms, draw_ms, missing, ticks, timeouts = [], [], [], 0, 0, 0
        server_ms, ingest_ms = [], []
        for _ in range(STEP_CLICKS):
            page.wait_for_function(QUIET, arg=150, polling=50, timeout=30_000)
            n = page.evaluate("window.__bench.statusIteration()") + 1
            r = page.evaluate(f"window.__bench.step('Step', {n}, 5000)")
            if r["text"] is not None:
                text_ms.append(r["text"])
            if r["settled"] is None:
                timeouts += 1
            else:
                settled_ms.append(r["settled"])
            draw_ms += r["drawMs"]
            server_ms += [r["server"]] if r["server"] is not None else []
            ingest_ms += [r["ingest"]] if r["ingest"] is not None else []
            missing += r["missing"]
            ticks += r["ticks"]
        print()
        print(f"Step, phases off (first click, 0 -> 1, adds the rewind slider): status line "
              f"{ms_or_never(first['text'])}, settled {ms_or_never(first['settled'])}")
        print(f"Step x{STEP_CLICKS} (1 -> {STEP_CLICKS + 1}):")
        if server_ms and ingest_ms:
            print(f"  click -> server's last msg  : median {statistics.median(server_ms):6.0f} ms   "
                  f"p90 {pct(server_ms, 90):6.0f} ms   (the rerun done and sent)")
            print(f"  click -> payload at stage   : median {statistics.median(ingest_ms):6.0f} ms   "
                  f"p90 {pct(ingest_ms, 90):6.0f} ms   (after Streamlit's frontend took the rerun in)")
        if text_ms:
            print(f"  click -> 'Iteration N' line : median {statistics.median(text_ms):6.0f} ms   "
                  f"p90 {pct(text_ms, 90):6.0f} ms   (n={len(text_ms)})")
        if settled_ms:
            med = statistics.median(settled_ms)
            print(f"  click -> stage settled      : median {med:6.0f} ms   p90 {pct(settled_ms, 90):6.0f} ms   "
                  f"(n={len(settled_ms)}, timeouts {timeouts})   target median <= {STEP_SETTLED_MEDIAN_MS} ms"
                  f"   {verdict(med <= STEP_SETTLED_MEDIAN_MS and not timeouts)}")
        else:
            print(f"  click -> stage settled      : never within 5 s ({timeouts} timeouts)   FAIL")
        print(f"  stage draw time per draw    : {ms_summary(draw_ms)}")
        print(f"  frames with a drawing missing during steps: {missing} of {ticks} ({missing / max(ticks, 1):.1%})")

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
        first_s, last = sample["first"], sample["last"]
        stopped = last["ms"] < sample["ms"] - 1000  # no new iteration in the last second: play had stopped
        active = last["ms"] / 1000 if stopped else secs
        end = last if stopped else {**last, "updates": sample["updates"]}
        ups = (end["updates"] - first_s["updates"]) / active
        ips = (end["iteration"] - first_s["iteration"]) / active
        draws = (end["stageDraws"] - first_s["stageDraws"]) / active
        p0, p1 = first_s["payloads"], page.evaluate("window.__bench.payloads || {}")
        frames_in = p1.get("frames", 0) - p0.get("frames", 0)
        ws_bytes = (page.evaluate("window.__wsBytes.bytes") or 0) - (first_s["wsBytes"] or 0)
        # After Play's ramp-up (it starts at a twentieth of the speed): the last 3 s of updates.
        tail = [a for a in sample["drawnAt"] if a[0] >= active * 1000 - 3000]
        tail_s = (tail[-1][0] - tail[0][0]) / 1000 if len(tail) > 1 else 0
        print()
        print(f"Play for {secs:.1f} s (iterations {first_s['iteration']} -> {live1['lastIteration']})"
              + (f"; play stopped by itself after {active:.1f} s (Stop at iteration): rates over those"
                 if stopped else "") + ":")
        print(f"  visible stage updates      : {ups:7.1f} /s      target >= {PLAY_UPDATES_PER_S} /s   "
              f"{verdict(ups >= PLAY_UPDATES_PER_S)}   (all three canvases drew a new frame; "
              f"complete draws {draws:.1f} /s)")
        print(f"  training iterations        : {ips:7.1f} /s      target >= {PLAY_ITERATIONS_PER_S} /s   "
              f"{verdict(ips >= PLAY_ITERATIONS_PER_S)}   ({ips / max(ups, 1e-9):.1f} iterations per update)")
        if tail_s > 0:
            print(f"  the last 3 s (after ramp-up): {(len(tail) - 1) / tail_s:.1f} updates/s, "
                  f"{(tail[-1][1] - tail[0][1]) / tail_s:.0f} iterations/s")
        print(f"  animation frames sampled   : {sample['ticks']} ({sample['ticks'] / secs:.0f} /s); "
              f"stage starved ticks {live1['starvedTicks'] - live0['starvedTicks']}, "
              f"frame requests {live1['requests'] - live0['requests']}")
        print(f"  stage draw time per draw   : {ms_summary(sample['drawMs'])}")
        print(f"  frames without their drawings: {sample['anyMissing']} of {sample['ticks']} "
              f"({sample['anyMissing'] / max(sample['ticks'], 1):.1%})   target {FRAMES_WITHOUT_DRAWINGS}   "
              f"{verdict(sample['anyMissing'] <= FRAMES_WITHOUT_DRAWINGS)}")
        print(f"      canvas absent/0-size {sample['canvasMissing']}, blankFrames ticks {sample['blankTicks']}, "
              f"partial draws {sample['partialTicks']}, frame on screen not drawn on all three "
              f"{sample['undrawnTicks']}, Plotly charts missing (< {sample['baseVisible']} visible) "
              f"{sample['plotlyMissing']}")
        for m in sample["missingLog"]:
            why = ", ".join(k for k in ("absent", "blank", "partial", "undrawn", "plotly") if m[k])
            print(f"      at {m['ms']} ms: {why}; shown {m['shown']}, drawn {m['drawn']}; {m['sizes']}; "
                  f"script {m['script']}" + (f"; collapsed: {m['collapsed']}" if m["collapsed"] else ""))
        if hooked and frames_in:
            chars = p1["chars"] - p0["chars"]
            print(f"  stage payload              : {chars / frames_in / 1024:6.1f} KiB (JSON) per frame   "
                  f"({p1['count'] - p0['count']} payloads, {frames_in} frames, {chars / secs / 1024:.0f} KiB/s)")
        print(f"  WebSocket, all messages    : {ws_bytes / secs / 1024:6.0f} KiB/s"
              + (f" ({ws_bytes / frames_in / 1024:.1f} KiB per stage frame)" if frames_in else ""))
        print(f"  server CPU                 : {100 * (c1 - c0) / (t1 - t0):5.0f} % of one core "
              f"({cores} cores)")
        print(f"  server RSS                 : {rss_idle:.0f} MB idle before, {rss_peak:.0f} MB peak while playing")
        if errors:
            print(f"\npage errors: {errors}")
        browser.close()


if __name__ == "__main__":
    main()
