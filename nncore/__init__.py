"""nncore: a small NumPy neural-network engine that shows its work.

Names follow the course notes: ``weights``, ``biases``, ``output``, ``dweights``,
``dbiases``, ``dinputs``. Forward, backward and the optimizer update are separate
calls, so gradients can be inspected before they are applied. Imports only NumPy
(and nnfs for its datasets); never calls ``nnfs.init``.
"""

from . import datasets, lessons
from .activations import ACTIVATIONS, DEAD, SATURATED, SATURATION_SHARE, WORKING, Linear, ReLU, Sigmoid, Softmax, Tanh
from .features import FEATURES, Features
from .gradcheck import gradcheck, gradient_resolution, numerical_gradient, relative_error
from .layers import INITS, Dense, Dropout
from .losses import LOSSES, BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError, regression_precision
from .network import OUTPUT_LOSS, Network, mlp, output_size, probability_grid
from .optimizers import OPTIMIZERS, SGD, Adagrad, Adam, RMSprop
from .training import DivergenceError, Snapshot, Trainer

__all__ = [
    "ACTIVATIONS", "INITS", "WORKING", "DEAD", "SATURATED", "SATURATION_SHARE", "LOSSES", "OPTIMIZERS", "OUTPUT_LOSS",
    "FEATURES", "Features", "Dense", "Dropout", "ReLU", "Sigmoid", "Tanh", "Linear", "Softmax",
    "CategoricalCrossentropy", "BinaryCrossentropy", "MeanSquaredError", "regression_precision",
    "Network", "mlp", "output_size", "probability_grid",
    "SGD", "Adagrad", "RMSprop", "Adam",
    "Trainer", "Snapshot", "DivergenceError",
    "gradcheck", "gradient_resolution", "numerical_gradient", "relative_error",
    "datasets", "lessons",
]
