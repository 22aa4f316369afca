"""Downloads: weights, history and a standalone script that rebuilds the run with nncore."""

import io

import pandas as pd

import nncore
from ui.state import Config

SCRIPT = '''"""Backprop Lab run, rebuilt with nncore: {iterations} iterations.

Run it from a checkout of Backprop Lab:  python {filename}
"""

import nncore
from nncore import datasets

X, y = datasets.{data_call}
X_train, y_train, X_test, y_test = datasets.train_test_split(X, y, {test_fraction!r}, {data_seed})
network = nncore.mlp({n_inputs}, {hidden!r}, {n_out}, output={output!r}, seed={weight_seed},
                     l1={l1!r}, l2={l2!r}{extra})
optimizer = nncore.{optimizer_class}(**{first_settings!r})
trainer = nncore.Trainer(network, optimizer, X_train, y_train, X_test=X_test, y_test=y_test,
                         batch_size={batch_size!r}, seed={weight_seed})
# Optimizer settings changed during the run: (from iteration, settings)
schedule = {later!r}
# Frozen layers (their weights and biases left unchanged) during the run: (from iteration, layer names)
freezes = {freezes!r}
for start, change in sorted(schedule + freezes, key=lambda c: c[0]):
    trainer.step(start - trainer.iteration)
    if isinstance(change, dict):
        trainer.set_hyperparameters(**change)
    else:
        trainer.set_frozen(change)
trainer.step({iterations} - trainer.iteration)
record = trainer.record()
print(f"iteration {{trainer.iteration}}: loss {{record['loss']!r}}, accuracy {{record['accuracy']!r}}")
'''

def script(cfg, schedule, iterations, filename="backprop_lab_run.py", freezes=()):
    """Python source that rebuilds ``iterations`` iterations of the run ``cfg`` with the
    optimizer-settings ``schedule`` (nncore.Trainer.schedule()) and the frozen layers'
    ``freezes`` (nncore.Trainer.frozen_schedule())."""
    first, later = schedule[0][1], [s for s in schedule[1:] if s[0] <= iterations]
    # Every network starts with nothing frozen: only changes, and a freeze from iteration 0, are replayed.
    freezes = [(it, sorted(names)) for k, (it, names) in enumerate(freezes) if it <= iterations and (k or names)]
    # init, dropout and features only when chosen, so a default run's script reads as the book's mlp.
    extra = "".join(f", {name}={getattr(cfg, name)!r}" for name in ("init", "dropout", "features")
                    if getattr(cfg, name) != getattr(Config(), name))
    make, args = nncore.datasets.call(cfg.dataset, cfg.samples, cfg.classes, cfg.noise, cfg.data_seed)
    return SCRIPT.format(
        iterations=iterations, filename=filename, data_call=f"{make.__name__}({', '.join(map(repr, args))})",
        test_fraction=cfg.test_fraction, data_seed=cfg.data_seed, hidden=list(cfg.hidden), n_inputs=cfg.n_inputs,
        n_out=cfg.n_outputs, output=cfg.output, weight_seed=cfg.weight_seed,
        l1=cfg.l1, l2=cfg.l2, optimizer_class=nncore.OPTIMIZERS[cfg.optimizer].__name__, first_settings=first,
        batch_size=cfg.batch_size or None, later=later, freezes=freezes, extra=extra)


def history_csv(history):
    """The trainer's history (Trainer.history()) as CSV text, a row per stored iteration."""
    frame = pd.DataFrame(history).set_index("iteration")
    buffer = io.StringIO()
    frame.to_csv(buffer, float_format="%.17g")
    return buffer.getvalue()
