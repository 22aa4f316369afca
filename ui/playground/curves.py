"""Tab: loss and accuracy over the iterations."""

import streamlit as st

from ui import figures
from ui.controls import presentation


def show(pg, snap):
    h, view, trainer = pg.history(), snap.iteration, pg.trainer
    a, b = st.columns(2)
    # With mini-batches each row holds its batch's numbers, not the whole training set's.
    part = "batch" if trainer.batch_size < len(trainer.X) else "train"
    a.plotly_chart(figures.curves(
        h["iteration"], {f"{part} loss": h["loss"], "test loss": h["test_loss"]}, view, title="Loss",
        big=presentation()))
    b.plotly_chart(figures.curves(
        h["iteration"], {f"{part} accuracy": h["accuracy"], "test accuracy": h["test_accuracy"]}, view,
        # Regression's accuracy is the book's: within std(y) / 250 of the target (nncore.MeanSquaredError).
        title="Accuracy (within std(y) / 250)" if pg.config.regression else "Accuracy", log_y=False,
        big=presentation()))
