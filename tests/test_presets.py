"""Every playground preset, run as the playground runs it (ui.run.PlaygroundRun over a plain dict), does
what its name promises. The thresholds come from the runs themselves, measured once by hand and kept
well clear of them (see each comment)."""

import numpy as np
import pytest

from ui.run import PlaygroundRun
from ui.state import PRESETS

# preset -> (iterations, lowest training accuracy there). Measured: 0.967 (chapter 10 at 5,000),
# 1.000 (XOR at 2,000), 1.000 (circles at 1,500, also for weight seeds 1-9).
TRAINS = {
    "Book, chapter 10: spiral, 2-64-3, Adam 0.05": (3000, 0.90),
    "XOR with 4 tanh neurons, SGD": (2000, 0.95),
    "Circles, two ReLU layers": (1500, 0.95),
}


def run(name):
    pg = PlaygroundRun({})
    pg.apply_config(PRESETS[name])
    return pg


def test_every_preset_is_covered():
    assert set(PRESETS) == set(TRAINS) | {"Vanishing gradients: 4 sigmoid layers",
                                          "Too large a learning rate (diverges)"}


@pytest.mark.parametrize("name", list(TRAINS))
def test_preset_trains(name):
    iterations, accuracy = TRAINS[name]
    pg = run(name)
    assert pg.step(iterations) == iterations and not pg.take_notices()
    assert pg.trainer.record()["accuracy"] >= accuracy


def test_vanishing_gradients_preset_stays_on_its_plateau():
    """Four sigmoid layers from 0.01-scale weights: every layer's gradient is below 1e-6 and the
    accuracy stays at the class share of the training set (85 of 160 moons: 0.531) for 5,000 iterations."""
    pg = run("Vanishing gradients: 4 sigmoid layers")
    pg.step(5000)
    record = pg.trainer.record()
    norms = [v for k, v in record.items() if k.startswith("grad_norm.")]
    assert len(norms) == 5 and max(norms) < 1e-6
    assert record["accuracy"] == pytest.approx(85 / 160)


def test_too_large_a_learning_rate_diverges_and_keeps_the_history():
    pg = run("Too large a learning rate (diverges)")
    pg.play()
    done = pg.step(1000)  # Step also stops playing
    (kind, text), = pg.take_notices()
    assert kind == "warning" and "diverged" in text and not pg.playing
    last_good = pg.trainer.iteration
    assert done == last_good < 1000 and f"every iteration up to {last_good} is kept" in text
    assert np.isfinite(pg.trainer.record(last_good)["loss"])
    pg.rewind(last_good // 2)
    assert pg.view() == last_good // 2
