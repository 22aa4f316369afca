"""Cached pure computations the pages share. st.cache_data holds only immutable results
of pure functions (same arguments, same value), so sharing them across sessions is safe."""

import numpy as np
import streamlit as st

from nncore import datasets, lessons


@st.cache_data(max_entries=4, show_spinner=False)
def lesson(kind, precision):
    """The notes' worked example ("neuron" or "layer") at ``precision``, 200 iterations."""
    return (lessons.single_neuron if kind == "neuron" else lessons.dense_layer)(200, precision=precision)


@st.cache_data(max_entries=64, show_spinner=False)
def dataset(name, samples, classes, noise, test_fraction, seed):
    """(X_train, y_train, X_test, y_test) for the playground; read-only arrays."""
    X, y = datasets.CLASSIFICATION[name](samples, classes, noise, seed)
    parts = datasets.train_test_split(X, y, test_fraction, seed)
    for a in parts:
        a.setflags(write=False)
    return parts


def bounds(X, margin=0.15):
    """The square (x1, x2) window shown around the data: ((lo, hi), (lo, hi))."""
    lo, hi = np.min(X, axis=0), np.max(X, axis=0)
    pad = margin * float(np.max(hi - lo) or 1.0)
    return (float(lo[0] - pad), float(hi[0] + pad)), (float(lo[1] - pad), float(hi[1] + pad))
