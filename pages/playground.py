"""The playground: train a network, step, play, rewind, and inspect every gradient."""

import streamlit as st

from ui.boot import require_app
from ui.controls import plain
from ui.playground import challenge as challenge_line
from ui.playground import compare, current_run, curves, draw, guide, inspector, network, norms, sidebar, stage, weight
from ui.playground import histograms as histograms_tab
from ui.playground import landscape as landscape_tab
from ui.state import K

require_app(__file__)

PLAYING_NOTE = ("Playing: the stage above is live. Pause (Space) and this view shows the iteration the stage "
                "stops on.")

# Lazy tabs: only the open one runs (and none while playing).
TABS = {"Reading the stage": guide, "Loss and accuracy": curves, "Gradient inspector": inspector, "Network": network,
        "Gradient norms": norms, "Histograms": histograms_tab, "One weight": weight, "Compare two runs": compare,
        "Draw your data": draw, "Loss landscape": landscape_tab}

pg = current_run()
fixes = sidebar.draw(pg)

stage.layout_css()
st.title("Playground")
if st.session_state.get(K.URL_NOTES):
    st.info(plain("Some settings in the link were ignored: " + "; ".join(st.session_state[K.URL_NOTES])))
for fix in fixes:
    st.info(plain(fix))


@st.fragment
def workspace():
    # A control inside changed the config (New weights) or the data (a drawn point drops the run):
    # the sidebar and the run are rebuilt by a full rerun.
    if pg.stale(sidebar.widgets_config()[0]):
        st.rerun(scope="app")
    challenge_line.show(pg)
    snap = stage.draw(pg)
    for tab, view in zip(st.tabs(list(TABS), key=K.TAB, on_change="rerun"), TABS.values()):
        if tab.open:
            if pg.playing:
                # The server trains up to two batches ahead of the film the stage shows: a view here
                # would describe another iteration than the picture. It steps aside until Pause.
                st.caption(PLAYING_NOTE)
            else:
                view.show(pg, snap)


workspace()
