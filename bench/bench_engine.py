"""Benchmark nncore against a textbook NumPy network and PyTorch (CPU, float64).

Run by hand, not by pytest:  python bench/bench_engine.py  [--budget SECONDS_PER_CASE]

Everything runs in one process on one thread. Each case times, for every
implementation, the same work from the same starting weights (checked before timing):

  1. one training step (forward, loss, fused softmax/cross-entropy backward, SGD update
     with learning_rate=1.0) of 2-64-3 on spiral(100, 3, seed=0): 300 points;
  2. the same for 2-256-3 on spiral(1000, 3, seed=0): 3,000 points;
  3. a 200 x 200 decision-boundary grid (40,000 points) through 2-64-3 to softmax
     probabilities.

Timing: many samples of time.perf_counter around a short inner loop, the
implementations interleaved round-robin (rotating who goes first) so machine noise
hits all of them alike; the table reports medians and ratios.
"""

import os

# Single-threaded BLAS and torch: must be set before NumPy or torch is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nncore  # noqa: E402
from tests.support.book_reference import (  # noqa: E402
    Activation_ReLU,
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Optimizer_SGD,
)

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set / parallel work started
        pass
except ImportError:
    torch = None

LEARNING_RATE = 1.0
TOLERANCE = 1e-10
GRID_RESOLUTION = 200
GRID_RANGE = (-1.5, 1.5)
# Targets: nncore time divided by the other implementation's time must be <= these.
TARGETS = {"train": {"textbook": 0.5, "torch": 0.4}, "grid": {"torch": 1.0}}


# --------------------------------------------------------------------------------------
# b. The textbook implementation, as the course notes / NNFS book write it: the oracle the
#    tests hold nncore to (tests/support/book_reference.py).
# --------------------------------------------------------------------------------------
class TextbookNet:
    """Dense - ReLU - Dense - (Softmax + CCE), wired the way the book's training loop is."""

    def __init__(self, parameters):
        (w1, b1), (w2, b2) = parameters
        self.dense1 = Layer_Dense(w1, b1)
        self.activation1 = Activation_ReLU()
        self.dense2 = Layer_Dense(w2, b2)
        self.loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
        self.softmax = Activation_Softmax()
        self.optimizer = Optimizer_SGD(learning_rate=LEARNING_RATE)

    def train_step(self, X, y):
        self.dense1.forward(X)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        loss = self.loss_activation.forward(self.dense2.output, y)
        self.loss_activation.backward(self.loss_activation.output, y)
        self.dense2.backward(self.loss_activation.dinputs)
        self.activation1.backward(self.dense2.dinputs)
        self.dense1.backward(self.activation1.dinputs)
        self.optimizer.pre_update_params()
        self.optimizer.update_params(self.dense1)
        self.optimizer.update_params(self.dense2)
        self.optimizer.post_update_params()
        return loss

    def probabilities(self, X):
        self.dense1.forward(X)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        self.softmax.forward(self.dense2.output)
        return self.softmax.output

    def parameters(self):
        return [(self.dense1.weights, self.dense1.biases), (self.dense2.weights, self.dense2.biases)]


# --------------------------------------------------------------------------------------
# a. nncore through its public API.
# --------------------------------------------------------------------------------------
class NncoreNet:
    def __init__(self, parameters):
        hidden = parameters[0][0].shape[1]
        self.network = nncore.mlp(2, [(hidden, "relu")], 3, seed=0)
        self.network.set_parameters(parameters)
        self.optimizer = nncore.SGD(learning_rate=LEARNING_RATE)

    def train_step(self, X, y):
        net = self.network
        output = net.forward(X)
        loss = net.data_loss(output, y)
        net.backward(output, y, input_gradient=False)  # as nncore.Trainer trains: dL/dX of the data is unused
        self.optimizer.step(net)
        return loss

    def probabilities(self, X):
        return self.network.forward(X)

    def probability_grid(self):
        return nncore.probability_grid(self.network, GRID_RANGE, GRID_RANGE, GRID_RESOLUTION)

    def parameters(self):
        return [(layer.weights, layer.biases) for layer in self.network.dense_layers]


# --------------------------------------------------------------------------------------
# c. PyTorch, CPU, float64.
# --------------------------------------------------------------------------------------
class TorchNet:
    def __init__(self, parameters):
        (w1, b1), (w2, b2) = parameters
        self.dense1 = torch.nn.Linear(w1.shape[0], w1.shape[1], dtype=torch.float64)
        self.dense2 = torch.nn.Linear(w2.shape[0], w2.shape[1], dtype=torch.float64)
        with torch.no_grad():  # nn.Linear keeps W as (out, in): the transpose of the notes' layout
            for linear, w, b in ((self.dense1, w1, b1), (self.dense2, w2, b2)):
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
                linear.bias.copy_(torch.from_numpy(b.reshape(-1)))
        self.params = [self.dense1.weight, self.dense1.bias, self.dense2.weight, self.dense2.bias]

    def train_step(self, X, y):
        logits = self.dense2(F.relu(self.dense1(X)))
        loss = F.cross_entropy(logits, y)  # log_softmax + nll_loss, mean over samples
        for p in self.params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p.add_(p.grad, alpha=-LEARNING_RATE)
        return loss.item()

    def probabilities(self, X):
        with torch.no_grad():
            return F.softmax(self.dense2(F.relu(self.dense1(X))), dim=1).numpy()

    def parameters(self):
        return [(self.dense1.weight.detach().numpy().T, self.dense1.bias.detach().numpy().reshape(1, -1)),
                (self.dense2.weight.detach().numpy().T, self.dense2.bias.detach().numpy().reshape(1, -1))]


# --------------------------------------------------------------------------------------
# Timing.
# --------------------------------------------------------------------------------------
def median_times(funcs, budget, target_sample=0.004, min_rounds=21):
    """{name: median seconds per call}. Each round times every function once (a sample
    is an inner loop of calls sized to ~target_sample), in rotating order."""
    names = list(funcs)
    inner = {}
    for name in names:  # warm up and calibrate
        f = funcs[name]
        for _ in range(3):
            f()
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < 0.05:
            f()
            n += 1
        per_call = (time.perf_counter() - t0) / n
        inner[name] = max(1, round(target_sample / per_call))
    samples = {name: [] for name in names}
    deadline = time.perf_counter() + budget
    rounds = 0
    gc.collect()
    gc.disable()
    try:
        while rounds < min_rounds or time.perf_counter() < deadline:
            shift = rounds % len(names)
            for name in names[shift:] + names[:shift]:
                f, n = funcs[name], inner[name]
                t0 = time.perf_counter()
                for _ in range(n):
                    f()
                samples[name].append((time.perf_counter() - t0) / n)
            rounds += 1
    finally:
        gc.enable()
    return {name: statistics.median(s) for name, s in samples.items()}, rounds, inner


# --------------------------------------------------------------------------------------
# Equal-work checks.
# --------------------------------------------------------------------------------------
def initial_parameters(hidden):
    net = nncore.mlp(2, [(hidden, "relu")], 3, seed=0)
    return net.get_parameters()


def max_parameter_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(pa) - np.asarray(pb))))
               for la, lb in zip(a, b) for pa, pb in zip(la, lb))


def check_train_step(impls, inputs):
    """One step of each from the same weights: same loss and same updated weights."""
    results = {name: (float(impl.train_step(*inputs[name])), impl.parameters()) for name, impl in impls.items()}
    ref_loss, ref_params = results["nncore"]
    for name, (loss, params) in results.items():
        assert abs(loss - ref_loss) <= TOLERANCE, f"{name}: loss {loss!r} != nncore {ref_loss!r}"
        diff = max_parameter_diff(params, ref_params)
        assert diff <= TOLERANCE, f"{name}: updated weights differ from nncore's by {diff:.3g}"
    return ref_loss


def check_grid(impls, inputs):
    ref = impls["nncore"].probabilities(inputs["nncore"])
    for name, impl in impls.items():
        p = np.asarray(impl.probabilities(inputs[name]))
        diff = float(np.max(np.abs(p - ref)))
        assert p.shape == ref.shape and diff <= TOLERANCE, f"{name}: grid probabilities differ by {diff:.3g}"
    grid = impls["nncore"].probability_grid()
    assert np.array_equal(grid.reshape(-1, 3), ref), "probability_grid differs from forward on the grid"


# --------------------------------------------------------------------------------------
# Cases.
# --------------------------------------------------------------------------------------
def make_impls(hidden):
    params = initial_parameters(hidden)
    impls = {"nncore": NncoreNet(params), "textbook": TextbookNet(params)}
    if torch is not None:
        impls["torch"] = TorchNet(params)
    return impls


def training_case(samples_per_class, hidden, budget):
    X, y = nncore.datasets.spiral(samples_per_class, 3, seed=0)
    inputs = {"nncore": (X, y), "textbook": (X, y)}
    if torch is not None:
        inputs["torch"] = (torch.from_numpy(X), torch.from_numpy(y))
    loss = check_train_step(make_impls(hidden), inputs)
    impls = make_impls(hidden)  # fresh, identical weights for the timed runs
    funcs = {name: (lambda impl=impl, args=inputs[name]: impl.train_step(*args)) for name, impl in impls.items()}
    times, rounds, inner = median_times(funcs, budget)
    return times, rounds, inner, f"one-step loss {loss:.12f} (all agree to {TOLERANCE:g})"


def grid_case(hidden, budget):
    xs = np.linspace(*GRID_RANGE, GRID_RESOLUTION)
    grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    inputs = {"nncore": grid, "textbook": grid}
    if torch is not None:
        inputs["torch"] = torch.from_numpy(grid)
    impls = make_impls(hidden)
    check_grid(impls, inputs)
    funcs = {name: (lambda impl=impl, X=inputs[name]: impl.probabilities(X)) for name, impl in impls.items()}
    # nncore's grid is what the app calls: probability_grid (it also builds the grid, in row blocks).
    funcs["nncore (one forward call)"] = funcs["nncore"]
    funcs["nncore"] = impls["nncore"].probability_grid
    times, rounds, inner = median_times(funcs, budget)
    return times, rounds, inner, f"{len(grid):,} points; probabilities agree to {TOLERANCE:g}"


def blas_line():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_blas = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception as exc:
        numpy_blas = f"unknown ({exc})"
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__} (BLAS: {numpy_blas})"]
    if torch is not None:
        info = torch.__config__.show()
        torch_blas = next((s.split("=")[1] for s in info.replace(",", " ").split() if s.startswith("BLAS_INFO=")), "?")
        parts.append(f"torch {torch.__version__} (BLAS: {torch_blas}, threads {torch.get_num_threads()})")
    else:
        parts.append("torch not installed")
    parts.append(f"CPU {platform.machine()}, {os.cpu_count()} logical cores, run single-threaded")
    return " | ".join(parts)


def verdict(ratio, target):
    return f"{ratio:5.2f}x (target <= {target:.1f}x: {'met' if ratio <= target else 'MISSED'})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=25.0, help="seconds of timing per case (default 25)")
    args = parser.parse_args()
    print(blas_line())
    if torch is None:
        print("PyTorch is not importable: skipping the torch column "
              "(pip install torch==2.13.0 into the venv to include it).")
    cases = [
        ("train 2-64-3, 300 pts", "train", lambda: training_case(100, 64, args.budget)),
        ("train 2-256-3, 3000 pts", "train", lambda: training_case(1000, 256, args.budget)),
        ("grid 200x200, 2-64-3", "grid", lambda: grid_case(64, args.budget)),
    ]
    rows, summary = [], []
    start = time.perf_counter()
    for label, kind, run in cases:
        times, rounds, inner, note = run()
        print(f"  {label}: {rounds} rounds; inner loops {inner}; {note}")
        for name, t in times.items():
            rows.append((label, name, t * 1e6))
        nn = times["nncore"]
        for other, target in TARGETS[kind].items():
            if other in times:
                ratio = nn / times[other]
                summary.append((label, f"nncore/{other}", verdict(ratio, target), ratio <= target))
        if kind == "grid":
            summary.append((label, "nncore/textbook", f"{nn / times['textbook']:5.2f}x (no target)", None))
    print()
    print(f"{'case':<26}{'implementation':<28}{'median µs':>12}")
    print("-" * 66)
    for label, name, us in rows:
        print(f"{label:<26}{name:<28}{us:>12.1f}")
    print()
    print(f"{'case':<26}{'ratio':<18}result")
    print("-" * 66)
    for label, what, text, _ in summary:
        print(f"{label:<26}{what:<18}{text}")
    judged = [s[3] for s in summary if s[3] is not None]
    print()
    print(f"{sum(judged)}/{len(judged)} targets met; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
