"""Optimizers with the book's update rules and keyword names.

The learning rate at update t (t = 0, 1, ...) is learning_rate / (1 + decay * t).
Per-layer state (momenta, caches) lives in ``self.state``, a list with one dict per
Dense layer in network order, so a checkpoint can copy it and replay can restore it.
A frozen layer (``Dense.frozen``) is skipped: its parameters and its state stay as they are.
"""

import numpy as np


class Optimizer:
    name = "optimizer"
    hyperparameters = ("learning_rate", "decay")

    def __init__(self, learning_rate, decay):
        self.learning_rate = float(learning_rate)
        self.decay = float(decay)
        self.iterations = 0
        self.state = []

    @property
    def current_learning_rate(self):
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def step(self, network):
        """Apply one update to every Dense layer that is not frozen, from its current dweights/dbiases."""
        layers = network.dense_layers
        if len(self.state) != len(layers):
            self.state = [self.new_state(layer) for layer in layers]
        lr = self.current_learning_rate
        for layer, state in zip(layers, self.state):
            if not layer.frozen:
                self.update(layer, state, lr)
        self.iterations += 1

    def new_state(self, layer):
        return {}

    def update(self, layer, state, lr):
        raise NotImplementedError

    def get_state(self):
        """A deep copy of everything an update depends on besides the parameters."""
        return {"iterations": self.iterations,
                "state": [{k: v.copy() for k, v in s.items()} for s in self.state],
                "hyperparameters": self.get_hyperparameters()}

    def set_state(self, saved):
        self.iterations = saved["iterations"]
        self.state = [{k: v.copy() for k, v in s.items()} for s in saved["state"]]
        for k, v in saved["hyperparameters"].items():
            setattr(self, k, v)

    def get_hyperparameters(self):
        return {k: getattr(self, k) for k in self.hyperparameters}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_hyperparameters().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """w += momentum * v - lr * dw (v: the previous update); plain SGD when momentum == 0."""

    name = "sgd"
    hyperparameters = ("learning_rate", "decay", "momentum")

    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        super().__init__(learning_rate, decay)
        self.momentum = float(momentum)

    def new_state(self, layer):
        return {"weight_momentums": np.zeros_like(layer.weights), "bias_momentums": np.zeros_like(layer.biases)}

    def update(self, layer, state, lr):
        if self.momentum:
            state["weight_momentums"] = self.momentum * state["weight_momentums"] - lr * layer.dweights
            state["bias_momentums"] = self.momentum * state["bias_momentums"] - lr * layer.dbiases
            layer.weights += state["weight_momentums"]
            layer.biases += state["bias_momentums"]
        else:
            layer.weights -= lr * layer.dweights
            layer.biases -= lr * layer.dbiases


class Adagrad(Optimizer):
    """cache += dw**2; w -= lr * dw / (sqrt(cache) + epsilon)."""

    name = "adagrad"
    hyperparameters = ("learning_rate", "decay", "epsilon")

    def __init__(self, learning_rate=1.0, decay=0.0, epsilon=1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = float(epsilon)

    def new_state(self, layer):
        return {"weight_cache": np.zeros_like(layer.weights), "bias_cache": np.zeros_like(layer.biases)}

    def update(self, layer, state, lr):
        state["weight_cache"] += layer.dweights**2
        state["bias_cache"] += layer.dbiases**2
        layer.weights -= lr * layer.dweights / (np.sqrt(state["weight_cache"]) + self.epsilon)
        layer.biases -= lr * layer.dbiases / (np.sqrt(state["bias_cache"]) + self.epsilon)


class RMSprop(Optimizer):
    """cache = rho * cache + (1 - rho) * dw**2; w -= lr * dw / (sqrt(cache) + epsilon)."""

    name = "rmsprop"
    hyperparameters = ("learning_rate", "decay", "epsilon", "rho")

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9):
        super().__init__(learning_rate, decay)
        self.epsilon = float(epsilon)
        self.rho = float(rho)

    def new_state(self, layer):
        return {"weight_cache": np.zeros_like(layer.weights), "bias_cache": np.zeros_like(layer.biases)}

    def update(self, layer, state, lr):
        rho = self.rho
        state["weight_cache"] = rho * state["weight_cache"] + (1 - rho) * layer.dweights**2
        state["bias_cache"] = rho * state["bias_cache"] + (1 - rho) * layer.dbiases**2
        layer.weights -= lr * layer.dweights / (np.sqrt(state["weight_cache"]) + self.epsilon)
        layer.biases -= lr * layer.dbiases / (np.sqrt(state["bias_cache"]) + self.epsilon)


class Adam(Optimizer):
    """Momentum and RMSprop caches, both bias-corrected with (t + 1)."""

    name = "adam"
    hyperparameters = ("learning_rate", "decay", "epsilon", "beta_1", "beta_2")

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
        super().__init__(learning_rate, decay)
        self.epsilon = float(epsilon)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def new_state(self, layer):
        return {"weight_momentums": np.zeros_like(layer.weights), "bias_momentums": np.zeros_like(layer.biases),
                "weight_cache": np.zeros_like(layer.weights), "bias_cache": np.zeros_like(layer.biases)}

    def update(self, layer, state, lr):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations + 1
        # Bias corrections folded into one step size: lr * m / (1 - b1^t) / (sqrt(c / (1 - b2^t)) + eps).
        m_scale, c_scale = 1.0 / (1 - b1**t), 1.0 / (1 - b2**t)
        for p, g, m, c in ((layer.weights, layer.dweights, "weight_momentums", "weight_cache"),
                           (layer.biases, layer.dbiases, "bias_momentums", "bias_cache")):
            state[m] = b1 * state[m] + (1 - b1) * g
            state[c] = b2 * state[c] + (1 - b2) * g**2
            p -= lr * (state[m] * m_scale) / (np.sqrt(state[c] * c_scale) + self.epsilon)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adam)}
