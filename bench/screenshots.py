"""Screenshots of what a person sees, at the three sizes the app is judged at (run by hand after any
visible change, and look at every picture):

* 1280x720 with presentation mode (a classroom projector), 1400x1000 (a laptop), 390x844 (a phone);
* each page, viewport only (what is above the fold), plus the playground's full page at 1400x1000;
* the playground after Step x10, while playing, and on the book's Adagrad setting after one step
  (the note on what the printed loss clips), with the "One weight" tab open.

    python bench/screenshots.py [out_dir]      (default: artifacts/screens)

Starts its own server (tests.support.server) and Debian's Chromium (never `playwright install`).
"""

import re
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support.server import CHROMIUM, CHROMIUM_ARGS, QUIET, streamlit_server  # noqa: E402

SIZES = {"projector": (1280, 720, True), "laptop": (1400, 1000, False), "phone": (390, 844, False)}
ADAGRAD = "dataset=spiral&noise=0.0&hidden=64relu&optimizer=adagrad&learning_rate=1.0&decay=0.0001&test_fraction=0.0"


def settle(page, ms=400):
    """Streamlit idle for ``ms`` (tests.support.server.QUIET), then charts re-laid out."""
    page.wait_for_function(QUIET, arg=ms, polling=100, timeout=30_000)
    page.wait_for_timeout(500)


def open_page(page, url):
    page.goto(url)
    page.locator("main h1").first.wait_for(timeout=40_000)
    settle(page)


def click(page, label):
    """A main-area button (Streamlit appends e.g. "Shortcut →" to its accessible name)."""
    page.locator("main").get_by_role("button", name=re.compile(rf"^{re.escape(label)}( Shortcut .*)?$")).click()
    page.mouse.move(1, 1)  # off the button: its tooltip would cover part of the picture
    settle(page)


def open_tab(page, name):
    page.get_by_role("tab", name=name).click()
    settle(page)


@contextmanager
def chromium():
    """(the app's base URL, a Chromium browser): a server of its own, closed on exit."""
    with tempfile.TemporaryDirectory() as tmp, streamlit_server(Path(tmp) / "server.log") as (base, _proc), \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield base, browser
        browser.close()


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as (base, browser):
        for size, (w, h, present) in SIZES.items():
            q = "present=1" if present else ""
            ctx = browser.new_context(viewport={"width": w, "height": h})
            page = ctx.new_page()
            for path in ("/", "/neuron", "/layer"):
                open_page(page, f"{base}{path}?{q}")
                page.screenshot(path=out / f"{size}-{path.strip('/') or 'home'}.png")
            open_page(page, f"{base}/playground?{q}")
            page.screenshot(path=out / f"{size}-playground.png")
            click(page, "Step x10")
            page.screenshot(path=out / f"{size}-playground-step10.png")
            if size == "laptop":
                page.screenshot(path=out / f"{size}-playground-full.png", full_page=True)
            # While playing the page is seldom quiet for long (the tabs' charts redraw with every batch):
            # no settling, just two seconds of play.
            page.locator("main").get_by_role("button", name=re.compile(r"^Play( Shortcut .*)?$")).click()
            page.mouse.move(1, 1)
            page.locator("main").get_by_role("button", name=re.compile(r"^Pause( Shortcut .*)?$")).wait_for()
            page.wait_for_timeout(2000)
            page.screenshot(path=out / f"{size}-playground-playing.png")
            if page.locator("main").get_by_role("button", name=re.compile(r"^Pause( Shortcut .*)?$")).count():
                click(page, "Pause")  # (a busy machine may have played to the end meanwhile)
            open_page(page, f"{base}/playground?{ADAGRAD}{'&' + q if q else ''}")
            click(page, "Step")
            page.screenshot(path=out / f"{size}-adagrad-step1.png")
            open_tab(page, "One weight")
            page.screenshot(path=out / f"{size}-adagrad-one-weight.png", full_page=size == "laptop")
            ctx.close()
    print("\n".join(sorted(str(f) for f in out.glob("*.png"))))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "artifacts" / "screens")
