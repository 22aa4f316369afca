"""``python -m ui.live``: build static/stage.js, the stage's script (the Docker image does, before it drops
root; a server that can write the folder does so itself at start)."""

import sys

from ui.live import STATIC_JS, write_static

if not write_static():
    sys.exit(f"could not write {STATIC_JS}")
print(f"{STATIC_JS}: {STATIC_JS.stat().st_size:,} bytes")
