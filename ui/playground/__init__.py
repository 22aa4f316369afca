"""The playground page's parts: the sidebar, the stage (transport and live view), and one
module per tab view. Streamlit glue only: the run itself is ui.run.PlaygroundRun."""

import streamlit as st

from ui import data
from ui.run import PlaygroundRun


def current_run():
    """This session's run, on the datasets every session shares."""
    return PlaygroundRun(st.session_state, dataset=data.dataset)
