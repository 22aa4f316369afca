"""Screenshots of the two lessons at iterations 0, 1 and 200, at the three sizes of bench/screenshots.py
(run by hand after a visible change to the lessons, and look at every picture; full pages):

    python bench/lesson_screens.py [out_dir]      (default: artifacts/lesson-screens)
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.screenshots import SIZES, chromium, click, open_page, settle  # noqa: E402


def to_iteration(page, n):
    """Drag the iteration slider by keyboard: Home, then n presses of the right arrow (End for the last)."""
    thumb = page.locator("main").get_by_role("slider").first
    thumb.focus()
    thumb.press("End" if n == "end" else "Home")
    for _ in range(0 if n == "end" else n):
        thumb.press("ArrowRight")
    page.mouse.move(1, 1)
    settle(page)


def shoot(page, path, w, h):
    """The whole page: Streamlit scrolls inside its main block, so a full-page screenshot would only show
    the viewport; the viewport is made tall instead (same width, so the same layout)."""
    page.set_viewport_size({"width": w, "height": 3200})
    settle(page)
    page.screenshot(path=path)
    page.set_viewport_size({"width": w, "height": h})


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as (base, browser):
        for size, (w, h, present) in SIZES.items():
            ctx = browser.new_context(viewport={"width": w, "height": h})
            page = ctx.new_page()
            for path in ("/neuron", "/layer"):
                open_page(page, f"{base}{path}?{'present=1' if present else ''}")
                shoot(page, out / f"{size}{path.replace('/', '-')}-0.png", w, h)
                click(page, "Step")
                shoot(page, out / f"{size}{path.replace('/', '-')}-1.png", w, h)
                to_iteration(page, "end")
                shoot(page, out / f"{size}{path.replace('/', '-')}-200.png", w, h)
                if path == "/layer":
                    for k, tab in enumerate(page.locator("main").get_by_role("tab").all()[1:], start=2):
                        tab.click()
                        shoot(page, out / f"{size}-layer-200-tab{k}.png", w, h)
            ctx.close()
    print("\n".join(sorted(str(f) for f in out.glob("*.png"))))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "artifacts" / "lesson-screens")
