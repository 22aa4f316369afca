"""Fixtures for the real-browser tests: a Streamlit server on a free port and Debian's Chromium.

Never `playwright install`: the tests drive /usr/bin/chromium. Without it they skip, except in CI
(CI=true), where a missing browser is a failure.
"""

import contextlib
import os

import pytest

from tests.support.server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Watch, streamlit_server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server: base URL and its process (for the PID)."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit") / "server.log") as (base, proc):
        yield base, proc


@pytest.fixture(scope="session")
def base_url(server):
    return server[0]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        msg = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium); never `playwright install`"
        if os.environ.get("CI") == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, "rep_" + rep.when, rep)
    return rep


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def watched(context, request):
    """A fresh page in a fresh context, and its Watch; checked again after the test."""
    page = context.new_page()
    watch = Watch(page)
    yield page, watch
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=ARTIFACTS / f"FAILED-{request.node.name}.png", full_page=True)
    elif rep is not None and rep.passed:
        (ARTIFACTS / f"FAILED-{request.node.name}.png").unlink(missing_ok=True)  # stale from an older run
        watch.check()
