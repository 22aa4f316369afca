"""Cached pure computations the pages share. st.cache_data holds only immutable results
of pure functions (same arguments, same value), so sharing them across sessions is safe."""

import numpy as np
import streamlit as st

from nncore import lessons
from ui import run

LESSON_UPDATES = 200  # the notes' loops: iterations 0 (the start) .. 200 (after their last update)


@st.cache_resource(max_entries=4, show_spinner=False)
def lesson(kind, precision):
    """The notes' worked example ("neuron" or "layer") at ``precision``: records[n] is iteration n,
    the state after n updates, for n = 0..LESSON_UPDATES (the last one's forward pass runs on the
    notes' final weights).

    cache_resource, not cache_data: the records are read only, and cache_data would unpickle a
    copy of all 201 of them on every run (a Step's rerun)."""
    result = (lessons.single_neuron if kind == "neuron" else lessons.dense_layer)(LESSON_UPDATES + 1,
                                                                                   precision=precision)
    for record in result.records:
        for value in record.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
    return result


@st.cache_data(max_entries=64, show_spinner=False)
def dataset(name, samples, classes, noise, test_fraction, seed):
    """ui.run.split_dataset, shared by every session: read-only arrays."""
    parts = run.split_dataset(name, samples, classes, noise, test_fraction, seed)
    for a in parts:
        a.setflags(write=False)
    return parts

