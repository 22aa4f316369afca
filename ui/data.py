"""Cached pure computations the pages share. st.cache_data holds only immutable results
of pure functions (same arguments, same value), so sharing them across sessions is safe."""

import streamlit as st

from nncore import lessons
from ui import run


@st.cache_data(max_entries=4, show_spinner=False)
def lesson(kind, precision):
    """The notes' worked example ("neuron" or "layer") at ``precision``, 200 iterations."""
    return (lessons.single_neuron if kind == "neuron" else lessons.dense_layer)(200, precision=precision)


@st.cache_data(max_entries=64, show_spinner=False)
def dataset(name, samples, classes, noise, test_fraction, seed):
    """ui.run.split_dataset, shared by every session: read-only arrays."""
    parts = run.split_dataset(name, samples, classes, noise, test_fraction, seed)
    for a in parts:
        a.setflags(write=False)
    return parts

