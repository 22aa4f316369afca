"""How the playground's default run and every preset train: train/test accuracy and loss at iterations
0, 100, 300, 1,000, 3,000 and the preset's Stop at, and every layer's gradient norm at iteration 0.

Run by hand, not by pytest:  python bench/presets.py  [--divergence]

Built exactly as the playground builds a run (ui.run.split_dataset, network_for, nncore.Trainer), so the
figures are the ones a student sees. Play starts at a twentieth of the speed (ui/pacing.py START_SCALE) and
doubles after each second while the server has room: at the default 50 iterations per frame and 24
frames/s, about iterations 300, 900 and 2,100 are on screen after 1, 2 and 3 s.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nncore
from ui.run import network_for, split_dataset
from ui.state import PRESETS, Config

CHECKPOINTS = (0, 100, 300, 1000, 3000)


def trainer_for(cfg):
    X, y, X_test, y_test = split_dataset(cfg.dataset, cfg.samples, cfg.classes, cfg.noise, cfg.test_fraction,
                                         cfg.data_seed)
    optimizer = nncore.OPTIMIZERS[cfg.optimizer](**cfg.hyperparameters())
    return nncore.Trainer(network_for(cfg), optimizer, X, y, X_test=X_test, y_test=y_test,
                          batch_size=cfg.batch_size or None, seed=cfg.weight_seed)


def measure(cfg):
    """[(iteration, record)] at CHECKPOINTS and cfg.stop_at; a divergence ends the list with
    (iteration, None)."""
    trainer, rows = trainer_for(cfg), []
    for it in sorted({*(c for c in CHECKPOINTS if c < cfg.stop_at), cfg.stop_at}):
        try:
            trainer.step(it - trainer.iteration)
        except nncore.DivergenceError as err:
            rows.append((err.iteration, None))
            break
        rows.append((it, trainer.record()))
    return trainer, rows


def show(name, cfg):
    trainer, rows = measure(cfg)
    print(f"\n{name}")
    norms = [v for k, v in trainer.record(0).items() if k.startswith("grad_norm.")]
    print("  gradient norms at iteration 0, input layer first: " + ", ".join(f"{v:.2e}" for v in norms))
    for it, r in rows:
        if r is None:
            print(f"  {it:>6}  diverged")
            continue
        test = (f"test loss {r['test_loss']:.3f} acc {r['test_accuracy']:.1%}" if np.isfinite(r["test_loss"])
                else "no test split")
        print(f"  {it:>6}  train loss {r['loss']:.3f} (+reg {r['regularization_loss']:.3g}) "
              f"acc {r['accuracy']:.1%}  {test}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="a substring of the preset names (or 'default')")
    args = parser.parse_args()
    cases = {"Default (Config())": Config(), **PRESETS}
    for name, cfg in cases.items():
        if args.only is None or args.only.lower() in name.lower():
            show(name, cfg)


if __name__ == "__main__":
    main()
