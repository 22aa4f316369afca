"""The stage in a real browser: on the first screen of a projector and of a laptop, stacked on a phone,
one iteration number while playing, and a click on a neuron or an edge doing what it says."""

import re

import pytest

from tests.browser.test_e2e import LIVE, at, button, live, settle, shot, status
from tests.support.server import Watch
from ui.state import K

expect = pytest.importorskip("playwright.sync_api").expect

STAGE = ".st-key-pg-live"  # the stage's element (K.css(K.LIVE))


READ_STATUS = """() => {
    const roots = [document, ...[...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)];
    const line = roots.map(r => r.querySelector('.bpl-status')).find(Boolean);
    return [line.textContent, window.__backpropLive.lastIteration];
}"""


# Every animation frame: the status line's text and the network canvas' top and height (until stopped).
TRACK = """() => {
    const roots = [document, ...[...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)];
    const find = (sel) => roots.map(r => r.querySelector(sel)).find(Boolean);
    const line = find('.bpl-status'), net = find('canvas.bpl-net');
    window.__track = [];
    const tick = () => {
        const r = net.getBoundingClientRect();
        window.__track.push([line.textContent, r.top, r.height]);
        if (!window.__trackStop) requestAnimationFrame(tick);
    };
    tick();
}"""


def open_stage(browser, base_url, width, height, query="", **options):
    ctx = browser.new_context(viewport={"width": width, "height": height}, **options)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(f"{base_url}/playground{query}")
    expect(status(page)).to_have_text(at(0), timeout=40_000)
    page.wait_for_function(f"{LIVE} && {LIVE}.framesDrawn > 0 && {LIVE}.targets")
    settle(page)
    return ctx, page, watch


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def assert_labels_whole(page, labels):
    """Each button is inside the viewport and its label is not cut ("St..." for "Step x10")."""
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    for label in labels:
        b = button(page, label).first
        r = b.bounding_box()
        assert r and r["x"] >= 0 and r["x"] + r["width"] <= vw and r["y"] + r["height"] <= vh, (label, r)
        cut = b.evaluate("el => [...el.querySelectorAll('p, span, div')].some(e => e.scrollWidth > e.clientWidth + 1)")
        assert not cut, label


# A challenge adds its line above the stage (the vanishing one has the longest numbers).
CHALLENGE = ["", "&challenge=vanishing"]


@pytest.mark.parametrize("challenge", CHALLENGE, ids=["free", "challenge"])
def test_the_stage_fills_a_projectors_first_screen(browser, base_url, challenge):
    ctx, page, watch = open_stage(browser, base_url, 1280, 720, "?present=1" + challenge)
    try:
        # The sidebar is collapsed: the stage has the screen's width.
        expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true")
        r = box(page, STAGE)
        assert r["y"] >= 0 and r["y"] + r["height"] <= 720 and r["height"] >= 360, r
        assert r["width"] >= 1100, r
        assert_labels_whole(page, ["Step", "Step x10", "Play", "Reset"])
        net = box(page, "canvas.bpl-net")
        assert net["width"] >= 400 and net["height"] >= 300, net
        shot(page, "stage-projector")
        watch.check()
    finally:
        ctx.close()


@pytest.mark.parametrize("challenge", CHALLENGE, ids=["free", "challenge"])
def test_the_stage_is_on_a_laptops_first_screen(browser, base_url, challenge):
    ctx, page, watch = open_stage(browser, base_url, 1400, 1000, "?x=1" + challenge)
    try:
        r = box(page, STAGE)
        assert r["y"] >= 0 and r["y"] + r["height"] <= 1000 and r["height"] >= 400, r
        assert_labels_whole(page, ["Step", "Step x10", "Play", "Reset"])
        watch.check()
    finally:
        ctx.close()


@pytest.mark.parametrize("challenge", CHALLENGE, ids=["free", "challenge"])
def test_on_a_phone_everything_stacks_within_the_screen(browser, base_url, challenge):
    ctx, page, watch = open_stage(browser, base_url, 390, 844, "?x=1" + challenge, is_mobile=True, has_touch=True)
    try:
        # Nothing reaches past the screen's edge, except inside a box that scrolls or clips it (the tab bar
        # scrolls sideways), where the box itself fits.
        widest = page.evaluate("""() => {
            const clipped = (e) => {
                // Up to the page's own column, which must fit whatever it clips.
                for (let a = e.parentElement; a && a.dataset.testid !== 'stMainBlockContainer'; a = a.parentElement)
                    if (getComputedStyle(a).overflowX !== 'visible') return a.getBoundingClientRect().right;
                return null; };
            return Math.max(document.documentElement.scrollWidth,
              ...[...document.querySelectorAll('[data-testid="stMain"] *')]
                .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
                .map(e => clipped(e) ?? e.getBoundingClientRect().right)); }""")
        assert widest <= 390.5, widest
        # Stacked: the network above the boundary above the loss curve, each the column's width.
        net, b, loss = (box(page, f"canvas.bpl-{name}") for name in ("net", "boundary", "loss"))
        assert net["y"] + net["height"] <= b["y"] and b["y"] + b["height"] <= loss["y"]
        assert min(net["width"], b["width"], loss["width"]) >= 330
        # No keyboard hints on a touch screen.
        for hint in page.locator("main kbd").all():
            expect(hint).to_be_hidden()
        page.evaluate(TRACK)
        button(page, "Step").first.tap()
        expect(status(page)).to_have_text(re.compile(r"^(Iteration 1 · |Step 0 → 1: )"))
        expect(status(page)).to_have_text(at(1))
        track = page.evaluate("() => { window.__trackStop = true; return window.__track; }")
        # The Step's phase line ("Step 0 → 1: forward pass · loss 1.10") is one line on a phone and the
        # iteration's line two: the network must not move or resize as they take turns.
        assert any(text.startswith("Step 0 → 1: ") for text, _, _ in track), track[:3]
        assert len({(top, height) for _, top, height in track}) == 1, sorted({(t, h) for _, t, h in track})
        # The rewind slider has a row of its own, the screen's width (it shared one with the test-points switch,
        # 146 px: 5 iterations a pixel at iteration 750).
        assert box(page, K.css(K.REWIND_SLIDER))["width"] >= 360
        shot(page, "stage-phone")
        watch.check()
    finally:
        ctx.close()


def test_one_iteration_number_while_playing(browser, base_url):
    ctx, page, watch = open_stage(browser, base_url, 1400, 1000)
    try:
        reset = button(page, "Reset").bounding_box()
        button(page, "Play").click()
        page.wait_for_function(f"{LIVE}.lastIteration > 0")
        assert button(page, "Reset").bounding_box() == reset  # Pause is as wide as Play: nothing moves
        seen = set()
        for _ in range(12):
            # In one go, inside the page: the stage's line (in its shadow root) and the frame it drew last.
            text, shown = page.evaluate(READ_STATUS)
            n = int(re.match(r"Iteration (\d+) · ", text).group(1))
            assert n == shown, (text, shown)  # the stage's number is the frame it draws ...
            # ... and the only iteration number on the page.
            assert not re.search(r"Iteration \d", page.locator("main").inner_text())
            seen.add(n)
            page.wait_for_timeout(250)
        assert len(seen) >= 4, seen  # it moved
        # The rewind slider's number would be the server's iteration, ahead of the stage's: hidden while
        # playing, and back after Pause (it stayed hidden: the style lived in a container no rerun cleared).
        thumb = page.locator(f'{K.css(K.REWIND_SLIDER)} [data-testid="stSliderThumbValue"]')
        expect(thumb).to_be_hidden()
        button(page, "Pause").click()
        page.wait_for_function(f"{LIVE}.pausedAt !== null")
        n = live(page)["pausedAt"]
        expect(status(page)).to_have_text(at(n))
        # (Under load a stale copy of the slider, from the run before the pause's, may linger beside it: Streamlit
        # makes a new slider whenever its max changes. Left alone; see the README's known issues.)
        expect(thumb.filter(has_text=re.compile(rf"^{n}$")).first).to_be_visible()
        watch.check()
    finally:
        ctx.close()


def click_canvas(page, point):
    r = box(page, "canvas.bpl-net")
    page.mouse.click(r["x"] + point["x"], r["y"] + point["y"])


def test_an_edge_opens_its_weight_and_a_neuron_opens_its_map(browser, base_url):
    ctx, page, watch = open_stage(browser, base_url, 1400, 1000)
    try:
        button(page, "Step x10").click()
        expect(status(page)).to_have_text(at(10))
        settle(page)
        targets = live(page)["targets"]
        edge = targets["edge"]["hit"]
        assert edge["kind"] == "edge"
        click_canvas(page, targets["edge"])
        # The One weight tab opens on that weight, and its chain rule is checked against finite differences.
        expect(page.get_by_role("tab", name="One weight")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_label("Input i")).to_have_value(str(edge["i"]))
        expect(page.get_by_label("Neuron j")).to_have_value(str(edge["j"]))
        source = f"input {edge['i']}" + (f" = x{edge['i'] + 1}" if edge["layer"] == "dense1" else "")  # x1, x2 named
        expect(page.locator("main")).to_contain_text(f"({source} → neuron {edge['j']} of {edge['layer']})")
        expect(page.locator("main")).to_contain_text("numerical (finite differences)")

        neuron = targets["neuron"]["hit"]
        assert neuron["kind"] == "neuron"
        click_canvas(page, targets["neuron"])
        page.wait_for_function(f"{LIVE}.detail && {LIVE}.detail.j === {neuron['j']} && {LIVE}.detailClose")
        shot(page, "stage-neuron-detail")
        close = live(page)["detailClose"]
        click_canvas(page, {"x": close["x"] + close["w"] / 2, "y": close["y"] + close["h"] / 2})
        page.wait_for_function(f"{LIVE}.detail === null")
        watch.check()
    finally:
        ctx.close()


CURVE_PIXELS = """() => {
    const roots = [document, ...[...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)];
    const c = roots.map(r => r.querySelector('canvas.bpl-boundary')).find(Boolean);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let curve = 0;
    for (let p = 0; p < d.length; p += 4) {   // the fitted curve's vermillion (213, 94, 0)
        if (Math.abs(d[p] - 213) < 12 && Math.abs(d[p + 1] - 94) < 12 && d[p + 2] < 20) curve++;
    }
    return [curve, c.width, c.height];
}"""


def test_regression_mode_draws_the_fitted_curve_from_the_served_script(browser, base_url):
    ctx, page, watch = open_stage(browser, base_url, 1400, 1000, "?dataset=sine&output=linear&samples=200&"
                                  "hidden=16relu-16relu&init=book17&learning_rate=0.005")
    try:
        # The stage's code came from static/stage.js, once, as JavaScript (ui.live's loader).
        got = [r for r in page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
               if "/app/static/stage.js?v=" in r]
        assert len(got) == 1, got
        button(page, "Step x10").first.click()
        expect(status(page)).to_have_text(re.compile(r"^Iteration 10 · loss [\d.e-]+ · accuracy \(± std/250\) [\d.]+%"))
        settle(page)
        curve, w, h = page.evaluate(CURVE_PIXELS)
        # A line across the panel: at least one pixel per column of most of its width (device pixels).
        assert curve > 0.5 * w, (curve, w, h)
        assert live(page)["drawnIteration"] == 10
        watch.check()
    finally:
        ctx.close()
