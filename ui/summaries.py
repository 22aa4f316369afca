"""Pure NumPy summaries of a Dense layer's numbers, for views too wide to draw cell by cell.

A Dense layer's ``weights`` are (n_inputs, n_neurons): column j holds neuron j's incoming
weights, so "per neuron" means per column. Nothing here reads session state or draws.
"""

import numpy as np


def neuron_norms(matrix):
    """‖column j‖₂ for every neuron j of a (n_inputs, n_neurons) matrix: the size of neuron j's
    incoming weights (or of their gradient)."""
    return np.linalg.norm(np.asarray(matrix, dtype=float), axis=0)


def _largest(matrix, k):
    """Row-major indices of the ``k`` entries with the largest |value|, largest first. Ties keep
    row-major order, so the answer never depends on the sort."""
    return np.argsort(-np.abs(np.asarray(matrix, dtype=float)).ravel(), kind="stable")[:k]


def largest_entries(weights, dweights, k=10):
    """The ``k`` entries with the largest |dL/dw|, largest first, as {"input i", "neuron j", "w",
    "dL/dw"} columns (arrays)."""
    weights, dweights = np.asarray(weights, dtype=float), np.asarray(dweights, dtype=float)
    i, j = np.unravel_index(_largest(dweights, k), dweights.shape)
    return {"input i": i, "neuron j": j, "w": weights[i, j], "dL/dw": dweights[i, j]}


def largest_mask(matrix, k):
    """A boolean mask of the ``k`` entries of ``matrix`` with the largest |value| (all of them if
    there are no more than ``k``)."""
    mask = np.zeros(np.size(matrix), dtype=bool)
    mask[_largest(matrix, k)] = True
    return mask.reshape(np.shape(matrix))


def strongest_neurons(matrix, limit):
    """Indices of the ``limit`` neurons (columns) with the largest norm, in index order; every
    neuron if there are no more than ``limit``. Ties go to the lower index."""
    norms = neuron_norms(matrix)
    if len(norms) <= limit:
        return np.arange(len(norms))
    return np.sort(np.argsort(-norms, kind="stable")[:limit])
