"""How quickly the lessons answer, in headless Chromium (run by hand; medians printed):

* Step: from the click to the new "Iteration N" heading on screen with the run finished (every number,
  the graph and the curve redrawn), median of ``--clicks`` clicks on /neuron and /layer;
* Play: iterations shown per second over ``--seconds`` of play, at the default speed and, where there is
  a speed control, at 20 and 50 per second (over at most 3 s: 200 iterations go by fast).

    python bench/bench_lessons.py [--repo PATH] [--clicks 15] [--seconds 8]

``--repo`` serves another checkout (e.g. a worktree of an older commit) for a before/after comparison.
Starts its own server (tests.support.server) and Debian's Chromium (never `playwright install`).
"""

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support.server import CHROMIUM, CHROMIUM_ARGS, QUIET, start_server, stop_server  # noqa: E402

# Click the button, then poll every animation frame until the heading says something else and the run is over.
STEP = """async (label) => {
  const head = () => [...document.querySelectorAll('main h3')].map(h => h.textContent)
      .find(t => /^Iteration \\d+/.test(t));
  const app = document.querySelector('[data-testid="stApp"]');
  const button = [...document.querySelectorAll('main button')].find(b => b.innerText.trim().split('\\n')[0] === label);
  const before = head();
  const t0 = performance.now();
  button.click();
  while (true) {
    await new Promise(r => requestAnimationFrame(r));
    if (head() !== before && app.getAttribute('data-test-script-state') === 'notRunning') {
      return [performance.now() - t0, head()];
    }
    if (performance.now() - t0 > 20000) return [NaN, head()];
  }
}"""
HEAD = """() => [...document.querySelectorAll('main h3')].map(h => h.textContent)
    .find(t => /^Iteration \\d+/.test(t))"""


def iteration(page):
    return int(re.match(r"Iteration (\d+)", page.evaluate(HEAD)).group(1))


def settle(page, ms=600):
    page.wait_for_function(QUIET, arg=ms, polling=100, timeout=60_000)


def play_rate(page, seconds):
    """Iterations per second shown while playing, from a second after Play for ``seconds``."""
    page.evaluate(STEP, "Play")
    page.wait_for_timeout(1000)
    first = iteration(page)
    page.wait_for_timeout(seconds * 1000)
    rate = (iteration(page) - first) / seconds
    if page.locator("main button").filter(has_text=re.compile(r"^Pause")).count():
        page.evaluate(STEP, "Pause")
    settle(page, 300)
    return rate


def set_speed(page, index):
    """The lesson's play speed (its second slider) to option ``index``."""
    thumb = page.locator("main").get_by_role("slider").nth(1)
    thumb.focus()
    thumb.press("Home")
    for _ in range(index):
        thumb.press("ArrowRight")
    settle(page, 300)


def bench(page, base, path, clicks, seconds):
    """(Step times in ms, {speed: iterations per second while playing})."""
    page.goto(f"{base}{path}")
    page.locator("main h3").filter(has_text=re.compile(r"^Iteration \d+")).wait_for(timeout=60_000)
    settle(page, 1500)
    times = []
    for _ in range(clicks):
        ms, _head = page.evaluate(STEP, "Step")
        times.append(ms)
        settle(page, 300)
    rates = {"default": play_rate(page, seconds)}
    if page.locator("main").get_by_role("slider").count() > 1:  # a speed control (PLAY_SPEEDS)
        for index, speed in ((4, 20), (5, 50)):
            page.evaluate(STEP, "Reset")
            settle(page, 300)
            set_speed(page, index)
            rates[speed] = play_rate(page, min(seconds, 3))
    return times, rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO)
    parser.add_argument("--clicks", type=int, default=15)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--query", default="", help="query string for the lesson pages, e.g. present=1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, proc = start_server(Path(tmp) / "server.log", repo=args.repo)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                for path in ("/neuron", "/layer"):
                    url = path + (f"?{args.query}" if args.query else "")
                    times, rates = bench(page, base, url, args.clicks, args.seconds)
                    print(f"{path}: Step median {statistics.median(times):.0f} ms (min {min(times):.0f}, "
                          f"max {max(times):.0f}, n={len(times)}); Play, iterations/s: "
                          + ", ".join(f"{rate:.1f} at speed {speed}" for speed, rate in rates.items()), flush=True)
                browser.close()
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
