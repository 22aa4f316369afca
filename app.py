"""Backprop Lab: `streamlit run app.py`."""

import streamlit as st

from ui.boot import navigation
from ui.controls import presentation_toggle
from ui.state import K

st.set_page_config(page_title="Backprop Lab", page_icon=":material/replay:", layout="wide")
page = navigation()
st.session_state[K.ENTRY] = True
presentation_toggle()
page.run()
