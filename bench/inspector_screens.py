"""Screenshots of the gradient inspector and the Network tab on wide layers (the book's 2-64-3 and a
128x128 network) and on the default playground (16 neurons), at 1400x1000, at 1280x720 in presentation mode
and on a phone (390x844). Run by hand, look at every picture.

    python bench/inspector_screens.py [out_dir]      (default: artifacts/inspector)
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.screenshots import chromium, click, open_page, open_tab, settle  # noqa: E402
from ui.state import K  # noqa: E402

SIZES = {"projector": (1280, 720, True), "laptop": (1400, 1000, False), "phone": (390, 844, False)}
NETWORKS = {"default": "x=1",
            "book64": "dataset=spiral&hidden=64relu&optimizer=adam&learning_rate=0.05&decay=5e-7&test_fraction=0.0",
            "wide128": "hidden=128relu-128relu"}


def choose_layer(page, name):
    page.locator('[data-testid="stTabs"]').evaluate("e => e.scrollIntoView({block: 'start'})")
    page.locator(K.css(K.INSPECT_LAYER)).get_by_role("button", name="Open").click()
    page.get_by_role("option", name=name).click()
    settle(page)


def toggle(page, key):
    page.locator(K.css(key)).locator("label").click()
    settle(page)


def shoot(page, path, full):
    """The open tab's content scrolled to the top of the viewport (what a projector shows), and on
    ``full`` every chart and table whole."""
    tabs = page.locator('[data-testid="stTabs"]')
    tabs.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=f"{path}.png")
    if full:  # the page scrolls inside Streamlit's main block: pictures of the elements themselves
        for k, element in enumerate(page.locator('[data-testid="stPlotlyChart"], [data-testid="stDataFrame"]').all()):
            element.screenshot(path=f"{path}-part{k}.png")


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as (base, browser):
        for size, (w, h, present) in SIZES.items():
            for net, query in NETWORKS.items():
                ctx = browser.new_context(viewport={"width": w, "height": h})
                page = ctx.new_page()
                open_page(page, f"{base}/playground?{query}{'&present=1' if present else ''}")
                click(page, "Step x10")
                open_tab(page, "Gradient inspector")
                for layer in ("dense1", "dense2"):
                    choose_layer(page, layer)
                    shoot(page, out / f"{size}-{net}-inspector-{layer}", full=True)
                if net != "default":  # a wide layer: its summary first, the heatmap on a switch
                    toggle(page, K.INSPECT_HEATMAP)
                    shoot(page, out / f"{size}-{net}-inspector-dense2-heatmap", full=True)
                    choose_layer(page, "dense1")
                    shoot(page, out / f"{size}-{net}-inspector-dense1-heatmap", full=True)
                open_tab(page, "Network")
                shoot(page, out / f"{size}-{net}-network", full=True)
                page.locator(K.css(K.EDGE_MODE)).get_by_text("|dL/dw|").click()
                settle(page)
                shoot(page, out / f"{size}-{net}-network-grad", full=True)
                ctx.close()
    print("\n".join(sorted(str(f) for f in out.glob("*.png"))))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "artifacts" / "inspector")
