"""The app's pages, and deep links such as /neuron on a freshly started server.

Streamlit sees the `pages/` folder beside app.py and, until the first st.navigation call
in the process, serves a URL like /neuron by running pages/neuron.py alone, without
app.py (its old folder-based multipage mode). app.py marks every run it makes; a page
run without that mark registers the real navigation (which switches the whole process
to it for good) and switches to itself, so app.py serves the same page properly.
"""

from pathlib import Path

import streamlit as st

from ui.state import K

# (script, title, url path): teachers write the paths on the board. Home, the default page, is "/". No page
# icons: Streamlit makes the open page's icon the tab's icon, and a material icon there is fetched from
# fonts.gstatic.com by every browser (app.py sets a local one).
PAGES = [
    ("pages/home.py", "Home", None),
    ("pages/neuron.py", "One neuron", "neuron"),
    ("pages/layer.py", "One layer", "layer"),
    ("pages/playground.py", "Playground", "playground"),
]


def navigation():
    pages = [st.Page(path, title=title, url_path=url, default=(k == 0))
             for k, (path, title, url) in enumerate(PAGES)]
    return st.navigation(pages)


def require_app(page_file):
    """Call first in every page with ``__file__``."""
    if st.session_state.get(K.ENTRY):
        return
    navigation()
    st.switch_page(f"pages/{Path(page_file).name}", query_params=st.query_params.to_dict())
