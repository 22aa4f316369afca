"""Tab: make your own dataset by clicking the plane."""

import streamlit as st

from ui import figures
from ui.controls import presentation
from ui.playground import current_run
from ui.playground.sidebar import locked, use_custom_dataset
from ui.state import K

WINDOW = ((-1.5, 1.5), (-1.5, 1.5))


def on_draw():
    event = st.session_state[K.DRAW]
    points = [(p["x"], p["y"]) for p in event.selection.points if p.get("curve_number") == 0]
    if points and current_run().add_points(points, st.session_state[K.DRAW_CLASS]):
        use_custom_dataset(True)


def show(pg, snap):
    if locked("dataset"):
        st.caption("The challenge you play fixes the dataset: choose **None (free play)** under *Challenge* in "
                   "the sidebar to train on points of your own.")
        return
    if pg.config.regression:
        st.caption(f"Your own points make a classification dataset (classes in the (x1, x2) plane): drawing "
                   f"leaves regression on {pg.config.dataset} once two classes are drawn.")
    st.caption("Make your own dataset: choose a class, click the plane. Once there are two classes, the run "
               "trains on every one of your points (the sidebar's dataset becomes \"your data\", Test fraction 0).")
    a, b = st.columns([3, 1])
    a.segmented_control("Class", list(range(5)), format_func=lambda c: f"class {c}", default=0, required=True,
                        key=K.DRAW_CLASS)
    if b.button("Clear my points", width="stretch"):
        pg.clear_points()
        use_custom_dataset(False)
        st.rerun(scope="app")
    X, y = pg.custom_data()
    st.plotly_chart(figures.draw_canvas(X, y, WINDOW, big=presentation()), key=K.DRAW, on_select=on_draw,
                    selection_mode="points")
