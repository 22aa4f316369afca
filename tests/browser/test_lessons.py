"""The lessons in a real browser: at iteration 200 (the longest numbers: e-05 gradients, 17-digit weights) no
formula and no table cell is cut, on a projector (1280x720, presentation mode) and on a laptop (1400x1000),
and the computation graph's text stays readable."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_e2e import heading, open_page, settle

SIZES = {"projector": (1280, 720, "?present=1"), "laptop": (1400, 1000, "")}
LESSONS = {"/neuron": "One neuron, step by step", "/layer": "One layer: 3 neurons, 4 inputs"}

# Every visible formula and table cell that is wider than its box (cut, or scrolled), or reaches past the
# box's or the main column's right edge; each as a short description.
CUT = """() => {
  const main = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
  const seen = (el) => el.offsetParent !== null && el.getBoundingClientRect().width > 0;
  const cut = [];
  for (const el of document.querySelectorAll('main .katex-display')) {
    if (!seen(el)) continue;
    // KaTeX's box is 2 px wider than its content's: a 3 px overflow cuts no digit
    const inner = el.querySelector('.katex').getBoundingClientRect();
    const box = el.closest('[data-testid="stElementContainer"]').getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 3 || inner.right > Math.min(box.right, main.right) + 1
        || inner.left < box.left - 1)
      cut.push('formula: ' + el.textContent.slice(0, 60));
  }
  for (const el of document.querySelectorAll('main .lesson-table-wrap')) {  // a table that would scroll
    if (seen(el) && el.scrollWidth > el.clientWidth + 1) cut.push('table: ' + el.textContent.slice(0, 60));
  }
  for (const el of document.querySelectorAll('main .lesson-table th, main .lesson-table td')) {
    if (!seen(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > main.right + 1)
      cut.push('cell: ' + el.textContent);
  }
  return cut;
}"""
COUNT = """() => [...document.querySelectorAll('main .katex-display, main .lesson-table td')]
    .filter(el => el.offsetParent !== null).length"""
GRAPH_TEXT = """() => Math.min(...[...document.querySelectorAll('main svg.neuron-graph text')]
    .map(t => t.getBoundingClientRect().height))"""


def to_last_iteration(page):
    thumb = page.locator("main").get_by_role("slider").first
    thumb.focus()
    thumb.press("End")
    expect(heading(page)).to_have_text("Iteration 200")
    settle(page)


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("path", sorted(LESSONS))
def test_no_number_is_cut_at_iteration_200(browser, base_url, path, size):
    w, h, query = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h})
    try:
        page = ctx.new_page()
        open_page(page, base_url + path + query, LESSONS[path])
        to_last_iteration(page)
        checked = 0
        for tab in page.locator("main").get_by_role("tab").all() or [None]:
            if tab is not None:
                tab.click()
                settle(page)
            checked += page.evaluate(COUNT)
            assert page.evaluate(CUT) == [], f"{path} at {size}, tab {tab and tab.text_content()}"
        assert checked >= 8, "too few formulas and table cells on screen to check"
        if path == "/neuron":
            # The graph fills the width: its text still reads from the back (it was 6 px on a projector).
            assert page.evaluate(GRAPH_TEXT) >= 14
            # Every number whole in the table, with its full value on hover.
            cell = page.locator("main .lesson-table td.num").first
            assert re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", cell.text_content())
            assert len(cell.get_attribute("title")) >= len(cell.text_content())
    finally:
        ctx.close()
