"""The wide-layer summaries against numbers worked out by hand."""

import numpy as np

from ui import summaries

# Columns are neurons: neuron 0's incoming weights (3, 4) have norm 5, neuron 1's are 0, neuron 2's (1, -2) √5.
W = np.array([[3.0, 0.0, 1.0],
              [4.0, 0.0, -2.0]])
DW = np.array([[0.1, -0.5, 0.2],
               [-0.3, 0.05, 0.5]])


def test_neuron_norms_are_per_column():
    assert np.allclose(summaries.neuron_norms(W), [5.0, 0.0, np.sqrt(5.0)])
    assert np.allclose(summaries.neuron_norms(DW), [np.sqrt(0.1), np.sqrt(0.2525), np.sqrt(0.29)])


def test_largest_entries_by_absolute_gradient_ties_in_index_order():
    top = summaries.largest_entries(W, DW, k=4)
    # |-0.5| at (0, 1) and |0.5| at (1, 2) tie: row-major order decides; then -0.3 at (1, 0), 0.2 at (0, 2).
    assert top["input i"].tolist() == [0, 1, 1, 0]
    assert top["neuron j"].tolist() == [1, 2, 0, 2]
    assert top["dL/dw"].tolist() == [-0.5, 0.5, -0.3, 0.2]
    assert top["w"].tolist() == [0.0, -2.0, 4.0, 1.0]
    assert len(summaries.largest_entries(W, DW, k=100)["w"]) == 6  # never more than there are


def test_strongest_neurons_in_index_order():
    assert summaries.strongest_neurons(W, 2).tolist() == [0, 2]        # norms 5 and √5, not 0
    assert summaries.strongest_neurons(W, 3).tolist() == [0, 1, 2]     # narrow enough: all of them
    assert summaries.strongest_neurons(np.ones((2, 4)), 2).tolist() == [0, 1]  # equal norms: lower index
    # 128 neurons whose norm grows with the index: the last 16.
    wide = np.ones((5, 128)) * np.arange(128)
    assert summaries.strongest_neurons(wide, 16).tolist() == list(range(112, 128))


def test_largest_mask_marks_the_k_largest_magnitudes():
    assert summaries.largest_mask(np.array([[1.0, -3.0], [2.0, 0.0]]), 2).tolist() == [[False, True], [True, False]]
    assert summaries.largest_mask(W, 10).all()
