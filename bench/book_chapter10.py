"""The book's chapter-10 optimizer settings, 10,000 epochs each: nncore beside the book's own classes.

Spiral 100 x 3, Dense(2, 64)-ReLU-Dense(64, 3)-Softmax + categorical cross-entropy, from the
initial weights the book's script draws after ``nnfs.init()`` (float64 here: the book's printed
figures ran with nnfs.init's float32 dot, so they differ in the last digits). The reference is
tests/support/book_reference.py. Prints a Markdown table for the README.

    python bench/book_chapter10.py [epochs]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nncore
from tests.support import book_reference as book

SETTINGS = [
    ("SGD()", "sgd", {}),
    ("SGD(decay=1e-3, momentum=0.9)", "sgd", {"decay": 1e-3, "momentum": 0.9}),
    ("Adagrad(decay=1e-4)", "adagrad", {"decay": 1e-4}),
    ("RMSprop(learning_rate=0.02, decay=1e-5, rho=0.999)", "rmsprop", {"learning_rate": 0.02, "decay": 1e-5,
                                                                       "rho": 0.999}),
    ("Adam(learning_rate=0.02, decay=1e-5)", "adam", {"learning_rate": 0.02, "decay": 1e-5}),
    ("Adam(learning_rate=0.05, decay=5e-7)", "adam", {"learning_rate": 0.05, "decay": 5e-7}),
]
REFERENCE = {"sgd": book.Optimizer_SGD, "adagrad": book.Optimizer_Adagrad, "rmsprop": book.Optimizer_RMSprop,
             "adam": book.Optimizer_Adam}


def run(optimizer, settings, epochs):
    X, y = nncore.datasets.spiral(100, 3)
    w1, w2 = book.chapter10_initial_weights()
    network = nncore.Network([nncore.Dense(2, 64, weights=w1), nncore.ReLU(), nncore.Dense(64, 3, weights=w2),
                              nncore.Softmax()], nncore.CategoricalCrossentropy())
    trainer = nncore.Trainer(network, nncore.OPTIMIZERS[optimizer](**settings), X, y, checkpoint_every=1000)
    trainer.step(epochs)
    mine = trainer.record()
    reference = book.Model([book.Layer_Dense(w1, [[0.0] * 64]), book.Layer_Dense(w2, [[0.0] * 3])],
                           [book.Activation_ReLU()], "softmax", REFERENCE[optimizer](**settings))
    for _ in range(epochs):
        reference.epoch(X, y)
    loss, _, accuracy = reference.epoch(X, y)  # at the parameters after `epochs` updates
    return mine["accuracy"], mine["loss"], accuracy, loss


def main(argv):
    epochs = int(argv[1]) if len(argv) > 1 else 10_000
    print(f"| chapter-10 setting ({epochs:,} epochs) | nncore accuracy | nncore loss | book accuracy | book loss |")
    print("|---|---|---|---|---|")
    for label, optimizer, settings in SETTINGS:
        a, loss, ra, rloss = run(optimizer, settings, epochs)
        print(f"| `{label}` | {a:.3f} | {loss:.4f} | {ra:.3f} | {rloss:.4f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv)
