"""Backprop Lab: `streamlit run app.py`."""

from pathlib import Path

import streamlit as st

from ui.boot import navigation
from ui.controls import presentation_toggle
from ui.state import K

# The tab's icon, a local image: a material icon is fetched from fonts.gstatic.com by every browser.
st.set_page_config(page_title="Backprop Lab", page_icon=str(Path(__file__).parent / "ui" / "favicon.png"),
                   layout="wide")
page = navigation()
st.session_state[K.ENTRY] = True
presentation_toggle()
page.run()
