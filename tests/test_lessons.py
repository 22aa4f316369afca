"""nncore.lessons against every number the notes print."""

import numpy as np
import pytest

from nncore import Dense, ReLU, lessons
from tests import notes_numbers as notes

TOL = notes.PRINTED_ARRAY_TOLERANCE + 1e-12


def test_neuron_reproduces_every_printed_loss():
    lesson = lessons.single_neuron(200, precision="notes")
    assert lesson.losses.tolist() == notes.NEURON_LOSSES  # exact, all 200
    assert lesson.final_bias == notes.NEURON_FINAL_BIAS
    assert np.max(np.abs(lesson.final_weights - notes.NEURON_FINAL_WEIGHTS)) <= TOL


def test_neuron_float64_is_the_exact_computation():
    lesson = lessons.single_neuron(200, precision="float64")
    assert lesson.final_bias == 0.6009044964039992
    assert lesson.losses[0] == 36.0  # (1*-3 + -2*-1 + 3*2 + 1)**2, exact in any precision
    # A plain float64 loop written independently of nncore.
    w, b, x = np.array([-3.0, -1.0, 2.0]), 1.0, np.array([1.0, -2.0, 3.0])
    for _ in range(200):
        z = np.dot(w, x) + b
        g = 2 * z * (1.0 if z > 0 else 0.0)
        w, b = w - 0.001 * (g * x), b - 0.001 * g  # the notes' order: lr * (dL/dw)
    assert np.array_equal(lesson.final_weights, w) and lesson.final_bias == b


def test_neuron_chain_rule_factors_of_iteration_one():
    r = lessons.single_neuron(1).records[0]
    # Forward: 1*-3 + -2*-1 + 3*2 = 5, plus bias 1 = 6; ReLU(6) = 6; loss 36.
    assert r["mul"].tolist() == [-3.0, 2.0, 6.0] and r["sum"] == 6.0 and r["relu"] == 6.0
    assert r["dloss_drelu"] == 12.0 and r["drelu_dsum"] == 1.0 and r["dsum_dmul"] == 1.0
    assert r["dweights"].tolist() == [12.0, -24.0, 36.0] and r["dbias"] == 12.0
    assert r["new_weights"].tolist() == [-3.012, -0.976, 1.964] and r["new_bias"] == 0.988


def test_layer_reproduces_cell_5_after_nnfs_init():
    lesson = lessons.dense_layer(200, precision="notes")
    assert lesson.losses[::20].tolist() == notes.LAYER_LOSSES_NOTES
    assert np.max(np.abs(lesson.final_weights - notes.LAYER_FINAL_WEIGHTS_NOTES)) <= TOL
    assert np.max(np.abs(lesson.final_biases - notes.LAYER_FINAL_BIASES_NOTES)) <= TOL


def test_layer_float64_reproduces_cell_13():
    lesson = lessons.dense_layer(200, precision="float64")
    assert lesson.losses[::20].tolist() == notes.LAYER_LOSSES_FLOAT64
    assert np.max(np.abs(lesson.final_weights - notes.LAYER_FINAL_WEIGHTS_FLOAT64)) <= TOL
    assert np.max(np.abs(lesson.final_biases - notes.LAYER_FINAL_BIASES_FLOAT64)) <= TOL


def test_layer_first_iteration_by_hand():
    r = lessons.dense_layer(1).records[0]
    # Z = W.X + B = [3.0 + 0.1, 7.0 + 0.2, 11.0 + 0.3]; y = 21.6; dl/dy = 43.2.
    assert np.allclose(r["Z"], [3.1, 7.2, 11.3], rtol=0, atol=1e-14)
    assert r["loss"] == 466.56000000000006
    assert np.allclose(r["dl_dW"], 43.2 * np.array([[1, 2, 3, 4]] * 3), rtol=0, atol=1e-12)
    # Every neuron's gradient row repeats the input vector, scaled by its dl/dz.
    assert np.allclose(r["dl_dX"], 43.2 * np.array([1.5, 1.8, 2.1, 2.4]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("iteration", [0, 7, 199])
def test_nncore_layers_agree_with_the_lesson(iteration):
    """Dense + ReLU from nncore (W stored transposed) give the lesson's gradients."""
    r = lessons.dense_layer(200, precision="float64").records[iteration]
    dense, relu = Dense(4, 3, weights=r["W"].T, biases=r["B"]), ReLU()
    a = relu.forward(dense.forward(r["X"][None, :]))
    dense.backward(relu.backward(np.full_like(a, 2 * a.sum())))  # dl/dA = 2y for y = sum(A)
    assert np.allclose(dense.output[0], r["Z"], rtol=0, atol=1e-13)
    assert np.allclose(dense.dweights, r["dl_dW"].T, rtol=1e-14, atol=1e-14)
    assert np.allclose(dense.dbiases[0], r["dl_dB"], rtol=1e-14, atol=1e-14)
    assert np.allclose(dense.dinputs[0], r["dl_dX"], rtol=1e-14, atol=1e-14)


def test_bad_precision_is_named():
    with pytest.raises(ValueError, match="precision"):
        lessons.single_neuron(precision="float16")


def test_a_prediction_is_right_within_a_thousandth():
    p = lessons.Prediction("dL/dw1", -23.28, "dL/dw1 = ...", ((11.64, "That is dL/dReLU"),))
    assert lessons.check(p, -23.28 * (1 + 0.9e-3)) == (True, "Right.")
    assert lessons.check(p, -23.28 * (1 + 1.1e-3))[0] is False
    assert lessons.check(p, 11.64 * 1.0005) == (False, "That is dL/dReLU")           # a known mistake, named
    assert lessons.check(p, 5.0) == (False, "Not this one. Work it out factor by factor: dL/dw1 = ....")
    dead = lessons.Prediction("dl/dw23", 0.0, "")                                       # a dead ReLU's gradient
    assert lessons.check(dead, 0.0)[0] and not lessons.check(dead, 1e-6)[0]


def test_the_predictions_are_the_next_iterations_numbers():
    # Iteration 0 -> 1 of the neuron, by hand from the notes: ReLU(sum) at iteration 1 = sqrt(their loss
    # "Iteration 2"); dL/dw1 = 2 ReLU * 1 * 1 * x1 (x1 = -2); w1 = -1 + 0.001 * 24 = -0.976 before that update.
    relu = notes.NEURON_LOSSES[1] ** 0.5
    got = [p.truth for p in lessons.neuron_predictions(lessons.single_neuron(3), 0)]
    np.testing.assert_allclose(got, [2 * relu, -4 * relu, -0.976 + 0.004 * relu], rtol=1e-7)
    # The layer at iteration 0: y = 21.6 (loss 466.56); at iteration 1 the same forward on the updated W, B.
    layer = lessons.dense_layer(3, precision="float64")
    dl_dy, dw23, w23 = (p.truth for p in lessons.layer_predictions(layer, 0))
    assert dl_dy == pytest.approx(2 * notes.LAYER_LOSSES_FLOAT64[0] ** 0.5 - 2 * 0.001 * 43.2 * (3 * 30 + 3), rel=1e-12)
    assert dw23 == pytest.approx(dl_dy * 3) and w23 == pytest.approx(0.7 - 0.001 * 43.2 * 3 - 0.001 * dw23)
