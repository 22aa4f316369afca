"""Put on a test server's PYTHONPATH: Streamlit makes every deferred download's file 1.5 s late.

A click on a download button sends its page's rerun (unless the button ignores clicks) before the request
for the file; on a loaded server the rerun can end first and revoke the file's id. Making the file late
makes that happen every time (tests/browser/test_e2e.py)."""

import time

from streamlit.runtime.media_file_manager import MediaFileManager

LATE = 1.5  # seconds: longer than a playground run on this machine (0.2-0.7 s)
_execute = MediaFileManager.execute_deferred


def _late(self, file_id):
    time.sleep(LATE)
    return _execute(self, file_id)


MediaFileManager.execute_deferred = _late
