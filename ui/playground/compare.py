"""Tab: the same data and initial weights, other optimizer settings: both runs side by side."""

import streamlit as st

import nncore
from ui import figures
from ui.controls import presentation
from ui.playground.sidebar import optimizer_name
from ui.state import K

CAP = 5000


def show(pg, snap):
    view, trainer = snap.iteration, pg.trainer
    st.caption("Run B starts from run A's initial weights, data and batches, with the optimizer and learning "
               "rate chosen here (that optimizer's defaults otherwise), and is trained to the iteration on screen "
               f"({view}).")
    a, b, c = st.columns(3)
    optimizer = a.selectbox("Run B optimizer", list(nncore.OPTIMIZERS), format_func=optimizer_name,
                            key=K.COMPARE_OPTIMIZER)  # SGD first: the book's baseline
    lr = b.number_input("Run B learning rate", 0.0, 1e6, value=1.0, format="%.5g", key=K.COMPARE_LR)
    if not c.toggle("Show run B", key=K.COMPARE_ON):
        return
    runs = pg.compare_runs(optimizer, lr, view, cap=CAP)
    if runs is None:
        st.info(f"Comparison is limited to {CAP:,} iterations; rewind run A to compare there.")
        return
    st.plotly_chart(figures.curves(None, {label: (h["iteration"], h["loss"]) for label, h, _ in runs}, view,
                                   title="Loss, both runs", big=presentation()))
    window = pg.window()
    for col, (label, _, snap_) in zip(st.columns(2), runs):
        title = f"Run {label[0]}: accuracy {snap_.record['accuracy']:.1%}"
        if pg.config.regression:  # the fitted curve over the points, as the stage draws it
            xs, ys = nncore.network.output_curve(snap_.network, window[0], 200)
            col.plotly_chart(figures.fitted_curve(xs, ys[:, 0], trainer.X, trainer.y, title=title, big=presentation()))
        else:
            probs = nncore.probability_grid(snap_.network, window[0], window[1], 60)
            col.plotly_chart(figures.boundary(probs, window, trainer.X, trainer.y, title=title, big=presentation()))
