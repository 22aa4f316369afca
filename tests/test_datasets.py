import threading

import numpy as np
import pytest
from nnfs.datasets import spiral_data, vertical_data

from nncore import datasets


@pytest.mark.parametrize("name,reference", [("spiral", spiral_data), ("vertical", vertical_data)])
def test_nnfs_datasets_are_nnfs_with_a_seed(name, reference):
    state = np.random.get_state()
    np.random.seed(7)
    X_ref, y_ref = reference(40, 4)
    np.random.set_state(state)
    X, y = getattr(datasets, name)(40, 4, seed=7)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_global_random_state_is_left_alone():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    datasets.spiral(10, 3, seed=5)
    assert np.random.rand() == expected


@pytest.mark.parametrize("name", sorted(datasets.CLASSIFICATION))
def test_every_dataset_is_deterministic_and_well_formed(name):
    lo, hi = datasets.CLASS_RANGE[name]
    for classes in (lo, hi):
        X, y = datasets.CLASSIFICATION[name](25, classes, seed=3)
        X2, y2 = datasets.CLASSIFICATION[name](25, classes, seed=3)
        assert np.array_equal(X, X2) and np.array_equal(y, y2)
        assert X.shape == (25 * classes, 2) and X.dtype == np.float64 and np.isfinite(X).all()
        assert np.bincount(y).tolist() == [25] * classes
    with pytest.raises(ValueError, match="classes"):
        datasets.CLASSIFICATION[name](25, hi + 1)


def test_threads_get_their_own_seeded_data():
    expected = {seed: datasets.spiral(200, 3, seed=seed)[0] for seed in range(8)}
    failures = []

    def work(seed):
        for _ in range(20):
            if not np.array_equal(datasets.spiral(200, 3, seed=seed)[0], expected[seed]):
                failures.append(seed)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []


def test_sine_and_split():
    X, y = datasets.sine(100)
    assert X.shape == y.shape == (100, 1) and y[25, 0] == pytest.approx(1.0)
    X, y = datasets.blobs(10, 2)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, 0.3, seed=0)
    assert len(Xte) == 6 and len(Xtr) == 14
    assert sorted(map(tuple, np.r_[Xtr, Xte])) == sorted(map(tuple, X))


def test_nncore_never_calls_nnfs_init():
    import pathlib

    import nncore

    src = pathlib.Path(nncore.__file__).parent
    assert not any("nnfs.init(" in p.read_text() for p in src.glob("*.py"))
    assert np.zeros(1).dtype == np.float64 and np.dot.__module__ != "nnfs.core"


@pytest.mark.parametrize("name", sorted(datasets.REGRESSION))
def test_regression_datasets_are_1d_seeded_and_checked(name):
    make = datasets.REGRESSION[name]
    X, y = make(50, 0.1, 4)
    X2, y2 = make(50, 0.1, 4)
    assert X.shape == y.shape == (50, 1) and X.dtype == y.dtype == np.float64
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(y, make(50, 0.1, 5)[1])
    with pytest.raises(ValueError, match="noise"):
        make(50, float("nan"))
    with pytest.raises(ValueError, match="samples"):
        make(0)


def test_absolute_is_abs_x_on_minus_one_to_one():
    X, y = datasets.absolute(8)
    assert X[:, 0].tolist() == [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75]
    assert y[:, 0].tolist() == [1.0, 0.75, 0.5, 0.25, 0.0, 0.25, 0.5, 0.75]
    assert set(datasets.REGRESSION).isdisjoint(datasets.CLASSIFICATION)


def test_call_names_the_function_and_its_arguments_for_both_kinds():
    assert datasets.call("sine", 50, 3, 0.1, 7) == (datasets.sine, (50, 0.1, 7))          # no classes
    assert datasets.call("moons", 50, 2, 0.1, 7) == (datasets.moons, (50, 2, 0.1, 7))
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        datasets.call("nope", 50, 2, 0.1, 7)
