"""nncore trains exactly as the book trains.

The oracle is tests/support/book_reference.py: the book's classes written out from the textbook,
sharing no code with nncore. Each case trains the reference for 50 epochs; before every epoch
nncore is loaded with the reference's current parameters and optimizer state and takes one step,
and its loss, accuracy, new parameters and new optimizer state must match the reference's to a
relative 1e-9 (rounding differs only in the order of floating-point operations).
"""

from dataclasses import dataclass, field

import numpy as np
import pytest

import nncore
from nncore import datasets
from tests.support import book_reference as book

EPOCHS = 50
RTOL = 1e-9
STATE_KEYS = ("weight_momentums", "bias_momentums", "weight_cache", "bias_cache")


@dataclass
class Case:
    data: str                    # "spiral3", "spiral2" (binary, ch. 16) or "sine" (ch. 17)
    hidden: tuple                # neurons per hidden ReLU layer
    head: str                    # "softmax", "sigmoid" or "linear"
    optimizer: str
    settings: dict
    regularizers: dict = field(default_factory=dict)  # Dense keyword arguments, on every layer
    init_scale: float = 0.01
    expect_clipping: bool = False


CASES = {
    "sgd": Case("spiral3", (64,), "softmax", "sgd", {}),
    "sgd-decay-momentum": Case("spiral3", (64,), "softmax", "sgd", {"decay": 1e-3, "momentum": 0.9}),
    # The chapter-10 Adagrad setting drives every sample past the clip within a few epochs.
    "adagrad": Case("spiral3", (64,), "softmax", "adagrad", {"decay": 1e-4}, expect_clipping=True),
    "rmsprop": Case("spiral3", (64,), "softmax", "rmsprop", {"learning_rate": 0.02, "decay": 1e-5, "rho": 0.999},
                    expect_clipping=True),
    "adam": Case("spiral3", (64,), "softmax", "adam", {"learning_rate": 0.05, "decay": 5e-7}),
    "l2-weights-biases": Case("spiral3", (64,), "softmax", "adam", {"learning_rate": 0.02, "decay": 5e-7},
                              {"weight_regularizer_l2": 5e-4, "bias_regularizer_l2": 5e-4}),
    # Biases start at exactly 0, where the book's L1 gradient is +1 (sign() would give 0).
    "l1-weights-biases": Case("spiral3", (64,), "softmax", "sgd", {"learning_rate": 0.5, "momentum": 0.5},
                              {"weight_regularizer_l1": 5e-3, "bias_regularizer_l1": 5e-3}),
    "sigmoid-bce": Case("spiral2", (64,), "sigmoid", "adam", {"decay": 5e-7},
                        {"weight_regularizer_l2": 5e-4, "bias_regularizer_l2": 5e-4}),
    "sigmoid-bce-saturated": Case("spiral2", (64,), "sigmoid", "sgd", {"learning_rate": 5.0}, init_scale=1.0,
                                  expect_clipping=True),
    "linear-mse": Case("sine", (64, 64), "linear", "adam", {"learning_rate": 0.005, "decay": 1e-3},
                       init_scale=0.1),
}

REFERENCE_OPTIMIZERS = {"sgd": book.Optimizer_SGD, "adagrad": book.Optimizer_Adagrad,
                        "rmsprop": book.Optimizer_RMSprop, "adam": book.Optimizer_Adam}


def data(name):
    if name == "sine":
        return datasets.sine(1000)
    if name == "spiral2":
        X, y = datasets.spiral(100, 2)
        return X, y.reshape(-1, 1)  # the book's binary labels: one column
    return datasets.spiral(100, 3)


def initial_parameters(case, n_inputs, n_outputs, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [n_inputs, *case.hidden, n_outputs]
    return [(case.init_scale * rng.standard_normal((a, b)), np.zeros((1, b))) for a, b in zip(sizes, sizes[1:])]


def build_pair(case):
    X, y = data(case.data)
    n_outputs = 3 if case.head == "softmax" else 1
    parameters = initial_parameters(case, X.shape[1], n_outputs)
    reference = book.Model([book.Layer_Dense(w, b, **case.regularizers) for w, b in parameters],
                           [book.Activation_ReLU() for _ in case.hidden], case.head,
                           REFERENCE_OPTIMIZERS[case.optimizer](**case.settings))
    layers = []
    for k, (w, b) in enumerate(parameters):
        layers.append(nncore.Dense(*w.shape, weights=w, biases=b, **case.regularizers))
        layers.append(nncore.ReLU() if k < len(case.hidden) else nncore.ACTIVATIONS[case.head]())
    network = nncore.Network(layers, nncore.LOSSES[nncore.OUTPUT_LOSS[case.head]]())
    optimizer = nncore.OPTIMIZERS[case.optimizer](**case.settings)
    return X, y, reference, network, optimizer


def reference_state(reference, optimizer):
    """The reference's optimizer state in nncore's layout (zeros before the book creates it)."""
    state = []
    for layer in reference.dense:
        fresh = optimizer.new_state(layer)
        state.append({k: getattr(layer, k, fresh[k]).copy() for k in fresh})
    return {"iterations": reference.optimizer.iterations, "state": state,
            "hyperparameters": optimizer.get_hyperparameters()}


def relative_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale else float(np.linalg.norm(a))


@pytest.mark.parametrize("name", list(CASES))
def test_one_step_from_the_books_state_matches_the_book(name):
    case = CASES[name]
    X, y, reference, network, optimizer = build_pair(case)
    clipped = 0
    for epoch in range(EPOCHS):
        network.set_parameters([(layer.weights, layer.biases) for layer in reference.dense])
        optimizer.set_state(reference_state(reference, optimizer))

        output = network.forward(X)
        loss, regularization, accuracy = (network.data_loss(output, y), network.regularization_loss(),
                                          network.accuracy(output, y))
        clipped += network.clipped_samples(output, y)
        network.backward(output, y)
        optimizer.step(network)

        book_loss, book_regularization, book_accuracy = reference.epoch(X, y)
        where = f"{name}, epoch {epoch}"
        assert relative_error(loss, book_loss) <= RTOL, where
        assert relative_error(regularization, book_regularization) <= RTOL, where
        assert accuracy == book_accuracy, where
        for mine, theirs in zip(network.dense_layers, reference.dense):
            assert relative_error(mine.weights, theirs.weights) <= RTOL, where
            assert relative_error(mine.biases, theirs.biases) <= RTOL, where
        expected = reference_state(reference, optimizer)
        assert optimizer.iterations == expected["iterations"] == epoch + 1
        for mine, theirs in zip(optimizer.state, expected["state"]):
            for key in theirs:
                assert relative_error(mine[key], theirs[key]) <= RTOL, (where, key)
    # The cases meant to cross the clip do; the others never touch it.
    assert (clipped > 0) == case.expect_clipping, clipped


def test_chapter_10_adagrad_setting_trains_as_in_the_book():
    """Spiral 100 x 3, Dense(2, 64)-ReLU-Dense(64, 3)-Softmax from the book's own initial weights,
    Adagrad(learning_rate=1.0, decay=1e-4): the book reaches about 85% (loss about 0.38) in 10,000
    epochs. Zeroing the gradient where the loss clips froze it at 33.3% from epoch 5."""
    X, y = datasets.spiral(100, 3)
    w1, w2 = book.chapter10_initial_weights()
    network = nncore.Network([nncore.Dense(2, 64, weights=w1), nncore.ReLU(), nncore.Dense(64, 3, weights=w2),
                              nncore.Softmax()], nncore.CategoricalCrossentropy())
    trainer = nncore.Trainer(network, nncore.Adagrad(learning_rate=1.0, decay=1e-4), X, y, checkpoint_every=1000)
    trainer.step(10_000)
    assert trainer.record()["accuracy"] >= 0.80
    assert trainer.record()["loss"] < 0.45
