"""A Streamlit server on a free loopback port (start, health, stop), Debian Chromium's path and flags, and a
console/page-error watch: for the browser tests, the load test and the benchmarks."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HEALTH_TIMEOUT = 60.0
# True once no script run is going on and the DOM has not changed for `ms` milliseconds. Streamlit keeps
# mounting things for 1-2 s after the first heading shows; a key pressed in that window can be lost.
QUIET = """(ms) => {
  if (!window.__quiet) {
    window.__quiet = {last: performance.now()};
    new MutationObserver(() => { window.__quiet.last = performance.now(); })
      .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  }
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
         && performance.now() - window.__quiet.last >= ms;
}"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base, timeout=HEALTH_TIMEOUT, proc=None):
    """Poll ``base``/_stcore/health until it answers 200; RuntimeError if ``proc`` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base} not healthy after {timeout:.0f} s")
        time.sleep(0.2)


def start_server(log_path, repo=REPO, python=sys.executable, env=None):
    """Start `streamlit run app.py` in ``repo`` (default: this checkout) with ``python`` on a free loopback
    port, wait until it is healthy; return (base_url, Popen). The log (stdout and stderr) goes to ``log_path``;
    ``env`` adds to the environment."""
    port = free_port()
    cmd = [str(python), "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           # Other people edit files while tests run: a "File change" prompt is not what we test.
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=repo, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=None if env is None else {**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, HEALTH_TIMEOUT, proc)
    except RuntimeError as err:
        stop_server(proc)
        raise RuntimeError(f"{err}:\n" + log_path.read_text(errors="replace")[-3000:]) from None
    return base, proc


def stop_server(proc):
    """Stop a server we started, by its PID: SIGTERM, wait, then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def streamlit_server(log_path, env=None):
    """``start_server`` as a context manager: yields (base_url, Popen), stops it on exit."""
    base, proc = start_server(log_path, env=env)
    try:
        yield base, proc
    finally:
        stop_server(proc)


# ---------------------------------------------------------------- console / page-error watch

# A Streamlit page at /<page> first probes /<page>/_stcore/health and /<page>/_stcore/host-config (it
# could be served under a base path, e.g. behind a proxy), gets 404, then connects at "/". Harmless.
_BASE_PROBE = re.compile(r"^http://127\.0\.0\.1:\d+/[^/?#]+(/[^/?#]+)*/_stcore/(health|host-config)$")
_HTTP_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"
_OFFLINE = re.compile(r"^Failed to load resource: net::(ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED)$")


class Watch:
    """Page errors, console errors (benign offline noise filtered out) and HTTP errors of one page."""

    def __init__(self, page):
        self.page = page
        self.page_errors = []
        self.console_errors = []
        self.ignored = []
        self.http_errors = []  # (status, url): every 4xx/5xx response, for the record
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("console", self._console)
        page.on("response", lambda r: r.status >= 400 and self.http_errors.append((r.status, r.url)))

    def _console(self, msg):
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        text = msg.text
        if text == _HTTP_404 and _BASE_PROBE.match(url):
            self.ignored.append(f"{text} [{url}]")
        elif _OFFLINE.match(text) and not url.startswith("http://127.0.0.1"):
            self.ignored.append(f"{text} [{url}]")
        else:
            self.console_errors.append(f"{text} [{url}]")

    def unexpected_http(self):
        return [(s, u) for s, u in self.http_errors if not (s == 404 and _BASE_PROBE.match(u))]

    def check(self):
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.unexpected_http(), f"HTTP errors from the app's server: {self.unexpected_http()}"
        assert self.page.locator(".stException").count() == 0, \
            "Streamlit exception box: " + " | ".join(self.page.locator(".stException").all_inner_texts())
