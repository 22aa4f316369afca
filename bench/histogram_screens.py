"""Screenshots of the Histograms tab on the vanishing-gradients preset after some training, and of the stage
with dead ReLUs (Circles, two ReLU layers at Adam 0.05: by iteration 40, 1 of dense1's 8 and 4 of dense2's
are dead), at the three sizes. Run by hand, look at every picture.

    python bench/histogram_screens.py [out_dir]      (default: artifacts/histograms)
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.inspector_screens import shoot  # noqa: E402
from bench.screenshots import SIZES, chromium, click, open_page, open_tab  # noqa: E402
from ui.state import PRESETS  # noqa: E402

VANISHING = "&".join(f"{k}={v}" for k, v in PRESETS["Vanishing gradients: 4 sigmoid layers"].to_query().items())
DEAD = "classes=2&hidden=8relu-8relu&learning_rate=0.05"


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as (base, browser):
        for size, (w, h, present) in SIZES.items():
            q = "&present=1" if present else ""
            page = browser.new_context(viewport={"width": w, "height": h}).new_page()
            open_page(page, f"{base}/playground?{VANISHING}{q}")
            for _ in range(3):
                click(page, "Step x10")
            open_tab(page, "Histograms")
            shoot(page, out / f"{size}-vanishing-histograms", full=True)
            open_page(page, f"{base}/playground?{DEAD}{q}")
            for _ in range(4):
                click(page, "Step x10")
            page.screenshot(path=out / f"{size}-dead-stage.png")
            open_tab(page, "Histograms")
            shoot(page, out / f"{size}-dead-histograms", full=True)
            page.context.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "artifacts" / "histograms")
