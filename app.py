"""Backprop Lab: `streamlit run app.py`."""

import streamlit as st

from ui.controls import presentation_toggle

st.set_page_config(page_title="Backprop Lab", page_icon=":material/replay:", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("pages/neuron.py", title="One neuron", icon=":material/radio_button_checked:", url_path="neuron"),
    st.Page("pages/layer.py", title="One layer", icon=":material/view_column:", url_path="layer"),
    st.Page("pages/playground.py", title="Playground", icon=":material/tune:", url_path="playground"),
]
page = st.navigation(pages)
presentation_toggle()
page.run()
