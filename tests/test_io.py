"""Weights files, your own CSV data, and the standalone script: round trips and bad input."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import nncore
import nncore.io as nio
from nncore import datasets
from ui import export
from ui.state import Config

ROOT = Path(__file__).resolve().parent.parent


def net(seed=0, hidden=((4, "relu"),)):
    return nncore.mlp(2, list(hidden), 3, seed=seed)


@pytest.mark.parametrize("save,load", [(nio.to_json, nio.from_json), (nio.to_npz, nio.from_npz)])
def test_weights_round_trip_exactly(save, load):
    a, b = net(1), net(2)
    load(save(a), b)
    for (wa, ba), (wb, bb) in zip(a.get_parameters(), b.get_parameters()):
        assert np.array_equal(wa, wb) and np.array_equal(ba, bb)


BAD_WEIGHTS = {
    "empty": (b"", "empty"),
    "binary garbage": (bytes(range(256)) * 4, "not UTF-8|not a .npz"),
    "not json": (b"{weights: 1", "not valid JSON"),
    "extra key": (b'{"format": "backprop-lab-weights/1", "layers": [], "evil": 1}', "exactly the keys"),
    "extra key, format 2": (json.dumps({**json.loads(nio.to_json(net())), "evil": 1}).encode(), "exactly the keys"),
    "no format": (b'{"layers": []}', "not a Backprop Lab weights file: it holds an object without a 'format'"),
    "a list for a format": (b'{"format": [1], "layers": []}', "unknown format"),
    "not an object": (b'[1, 2]', "not a Backprop Lab weights file: it holds a list"),
    "nested too deeply": (b"[" * 100_000, "nested too deeply"),
    "a lone surrogate for a name": (json.dumps({**json.loads(nio.to_json(net())), "inputs": ["\ud800", "x2"]}).encode(),
                                    "'inputs' must be a short list of names"),
    "a control character for a name": (json.dumps({**json.loads(nio.to_json(net())),
                                                   "activations": ["relu\n", "softmax"]}).encode(),
                                       "'activations' must be a short list of names"),
    "a regression run's weights": (nio.to_json(nncore.mlp(1, [(4, "relu")], 3)).encode(),
                                   "for the inputs x1; .* regression run .* choose the sine or abs dataset"),
    "other activations": (nio.to_json(net(0, ((4, "tanh"),))).encode(),
                          r"for the activations tanh, softmax \(one per Dense layer\); "
                          "this network's are relu, softmax"),
    "other inputs": (nio.to_json(nncore.mlp(2, [(4, "relu")], 3, features=("x1sq",))).encode(),
                     "for the inputs x1, x2, x1²; this network's are x1, x2. Choose the same in the sidebar"),
    "inputs not names": (json.dumps({**json.loads(nio.to_json(net())), "inputs": [1, 2]}).encode(),
                         "'inputs' must be a short list of names"),
    "NaN": (b'{"format": "backprop-lab-weights/1", "layers": [{"name": "dense1", "weights": [[NaN]], '
            b'"biases": [[0]]}]}', "NaN"),
    "wrong shape": (nio.to_json(net(0, ((5, "relu"),))).encode(), r"dense1.weights: expected shape \(2, 4\)"),
    "wrong depth": (nio.to_json(net(0, ())).encode(), "1 Dense layers; this network has 2"),
    "huge": (b" " * (nio.MAX_BYTES + 1), "at most"),
}


@pytest.mark.parametrize("case", sorted(BAD_WEIGHTS))
def test_bad_weights_are_refused_and_change_nothing(case):
    content, message = BAD_WEIGHTS[case]
    target = net(3)
    before = target.get_parameters()
    loader = nio.from_npz if case == "binary garbage" else nio.from_json
    with pytest.raises(ValueError, match=message):
        loader(content, target)
    assert all(np.array_equal(x, y) for p, q in zip(before, target.get_parameters()) for x, y in zip(p, q))


def test_a_file_says_what_its_weights_are_for_and_files_of_the_first_format_still_load():
    with_features = nncore.mlp(2, [(4, "tanh")], 3, seed=4, features=("x1sq", "sinx2"))
    doc = json.loads(nio.to_json(with_features))
    assert (doc["format"], doc["inputs"], doc["activations"]) == \
        ("backprop-lab-weights/2", ["x1", "x2", "x1²", "sin x2"], ["tanh", "softmax"])
    with np.load(io.BytesIO(nio.to_npz(with_features)), allow_pickle=False) as z:
        assert z["inputs"].tolist() == doc["inputs"] and z["activations"].tolist() == doc["activations"]
    first = {"format": "backprop-lab-weights/1", "layers": doc["layers"]}  # names and shapes only
    target = nncore.mlp(2, [(4, "relu")], 3, seed=5, features=("x1sq", "sinx2"))
    nio.from_json(json.dumps(first), target)  # not checked: the first format does not say
    assert all(np.array_equal(x, y) for p, q in zip(with_features.get_parameters(), target.get_parameters())
               for x, y in zip(p, q))
    buffer = io.BytesIO()
    np.savez(buffer, **{f"{k}.{d.name}.{p}": getattr(d, p) for k, d in enumerate(with_features.dense_layers)
                        for p in ("weights", "biases")})
    nio.from_npz(buffer.getvalue(), nncore.mlp(2, [(4, "relu")], 3, features=("x1sq", "sinx2")))


@pytest.mark.parametrize("arrays, message", [
    ({"activations": np.array(["tanh", "softmax"])}, "for the activations tanh, softmax"),
    ({"inputs": np.array(["x1", "x2", "x1²"])}, "for the inputs x1, x2, x1²"),
    ({"inputs": np.array([1.0, 2.0])}, "'inputs' must be a short list of names"),
    ({"activations": None}, "has 'inputs' but not 'activations'"),
])
def test_an_npz_for_another_network_is_refused_by_name(arrays, message):
    layers = net().dense_layers
    content = {f"{k}.{d.name}.{p}": getattr(d, p) for k, d in enumerate(layers) for p in ("weights", "biases")}
    content.update(inputs=np.array(["x1", "x2"]), activations=np.array(["relu", "softmax"]))
    content.update(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **{k: v for k, v in content.items() if v is not None})
    target = net(3)
    before = target.get_parameters()
    with pytest.raises(ValueError, match=message):
        nio.from_npz(buffer.getvalue(), target)
    assert all(np.array_equal(x, y) for p, q in zip(before, target.get_parameters()) for x, y in zip(p, q))


@pytest.mark.parametrize("member", ["inputs", "0.dense1.weights"])
def test_an_npz_member_that_is_not_an_npy_array_is_refused_before_it_is_read(member):
    # numpy would read a member named without ".npy" whole: a few hundred KB can unpack to gigabytes.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, b"\0" * 5_000_000)  # 5 MB of zeros, ~5 KB compressed
    with pytest.raises(ValueError, match="something other than one .npy array per name"):
        nio.from_npz(buffer.getvalue(), net())


def test_npz_with_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    layers = net().dense_layers
    arrays = {f"{k}.{d.name}.{p}": getattr(d, p) for k, d in enumerate(layers) for p in ("weights", "biases")}
    arrays["0.dense1.weights"] = np.array([[object()] * 4] * 2, dtype=object)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="plain numbers|more than"):
        nio.from_npz(path.read_bytes(), net())


def read_json(blob):
    """The file's arrays, read with the json module alone."""
    return [(np.array(layer["weights"]), np.array(layer["biases"])) for layer in json.loads(blob)["layers"]]


def read_npz(blob):
    """The file's arrays, read with numpy alone, in the order of their leading layer number."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        layers = sorted({name.rsplit(".", 1)[0] for name in z.files if name[0].isdigit()},
                        key=lambda p: int(p.split(".")[0]))
        return [(z[f"{p}.weights"], z[f"{p}.biases"]) for p in layers]


# Random bytes are almost never a valid file: the examples make sure the valid branch runs.
@example(nio.to_json(net(5)).encode())
@example(nio.to_npz(net(6)))
@given(st.binary(max_size=400))
def test_any_bytes_give_a_value_error_or_valid_weights(blob):
    for loader, read in ((nio.from_json, read_json), (nio.from_npz, read_npz)):
        target = net()
        before = target.get_parameters()
        try:
            loader(blob, target)
        except ValueError:
            after = target.get_parameters()
            assert all(np.array_equal(x, y) for p, q in zip(before, after) for x, y in zip(p, q))
            continue
        expected = read(blob)
        assert len(expected) == len(target.dense_layers)
        for (w, b), layer in zip(expected, target.dense_layers):
            assert np.array_equal(layer.weights, w) and np.array_equal(layer.biases, b)


def test_csv_data_is_read_and_renumbered():
    X, y = datasets.from_csv("x1,x2,label\n0.5,1,7\n-1,2.5e-1,3\n0,0,7\n")
    assert X.tolist() == [[0.5, 1.0], [-1.0, 0.25], [0.0, 0.0]] and y.tolist() == [1, 0, 1]


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("a,b,c\n1,2,0\n", "missing column"),
    ("x1,x2,label\n1,two,0\n2,3,1\n", "line 2, column x2: 'two' is not a number"),
    ("x1,x2,label\n1,2,0\n1,2,0\n", "only one class"),
    ("x1,x2,label\n1,nan,0\n2,3,1\n", "finite"),
    ("x1,x2,label\n1,2,0.5\n2,3,1\n", "whole number"),
    ("x1,x2,label\n1,2\n", "expected 3 values"),
    ("x1,x2,label\n" + "".join(f"{i},{i},{i % 6}\n" for i in range(12)), "6 classes"),
])
def test_bad_csv_gets_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        datasets.from_csv(text)


def test_non_utf8_csv():
    with pytest.raises(ValueError, match="not UTF-8"):
        datasets.from_csv(b"x1,x2,label\n\xff\xfe,1,0\n")


def test_generated_script_reproduces_the_run_bit_for_bit(tmp_path):
    """A run with a mid-run learning-rate change and mini-batches, rebuilt by the script."""
    cfg = Config(dataset="moons", classes=2, hidden=((6, "tanh"),), optimizer="sgd", learning_rate=0.3,
                 momentum=0.5, batch_size=40, test_fraction=0.25, weight_seed=4, data_seed=2)
    X, y = datasets.moons(cfg.samples, 2, cfg.noise, cfg.data_seed)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, cfg.test_fraction, cfg.data_seed)
    trainer = nncore.Trainer(nncore.mlp(2, [(6, "tanh")], 2, seed=4), nncore.SGD(learning_rate=0.3, momentum=0.5),
                             Xtr, ytr, X_test=Xte, y_test=yte, batch_size=40, seed=4)
    trainer.step(30)
    trainer.set_hyperparameters(learning_rate=0.05)
    trainer.step(45)
    record = trainer.record()
    assert run_script(tmp_path, export.script(cfg, trainer.schedule(), trainer.iteration)) == (
        f"iteration 75: loss {record['loss']!r}, accuracy {record['accuracy']!r}")


def run_script(tmp_path, source):
    """What a generated script prints, run in a fresh Python."""
    path = tmp_path / "run.py"
    path.write_text(source)
    # The parent's environment: OpenBLAS picks its kernel from the CPU or OPENBLAS_CORETYPE, and
    # another kernel rounds differently; bit for bit holds for the same machine and BLAS.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_script_reproduces_initial_weights_dropout_features_and_frozen_layers(tmp_path):
    """He weights, dropout, two input features, dense1 frozen from iteration 0, dense2 from 10 and
    both free again from 20."""
    cfg = Config(dataset="blobs", classes=3, hidden=((5, "relu"), (4, "relu")), init="he", dropout=0.2,
                 features=("x1x2", "sinx2"), weight_seed=7, data_seed=1)
    X, y = datasets.blobs(cfg.samples, 3, cfg.noise, cfg.data_seed)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, cfg.test_fraction, cfg.data_seed)
    trainer = nncore.Trainer(nncore.mlp(2, [(5, "relu"), (4, "relu")], 3, seed=7, init="he", dropout=0.2,
                                        features=("x1x2", "sinx2")),
                             nncore.Adam(learning_rate=0.01), Xtr, ytr, X_test=Xte, y_test=yte, seed=7)
    trainer.set_frozen(["dense1"])
    trainer.step(10)
    trainer.set_frozen(["dense1", "dense2"])
    trainer.step(10)
    trainer.set_frozen([])
    trainer.step(5)
    source = export.script(cfg, trainer.schedule(), trainer.iteration, freezes=trainer.frozen_schedule())
    assert "init='he', dropout=0.2, features=('x1x2', 'sinx2'))" in source
    assert "init=" not in export.script(Config(), [(0, {})], 0)
    record = trainer.record()
    assert run_script(tmp_path, source) == f"iteration 25: loss {record['loss']!r}, accuracy {record['accuracy']!r}"


def test_script_reproduces_a_regression_run(tmp_path):
    """The |x| data with noise, a 1-8-1 tanh network with a linear output, mini-batches and a test split."""
    cfg = Config(dataset="abs", samples=60, noise=0.05, output="linear", hidden=((8, "tanh"),), init="xavier",
                 batch_size=16, test_fraction=0.2, weight_seed=3, data_seed=5)
    X, y = datasets.absolute(60, 0.05, 5)
    Xtr, ytr, Xte, yte = datasets.train_test_split(X, y, 0.2, 5)
    trainer = nncore.Trainer(nncore.mlp(1, [(8, "tanh")], 1, output="linear", seed=3, init="xavier"),
                             nncore.Adam(learning_rate=0.01), Xtr, ytr, X_test=Xte, y_test=yte, batch_size=16, seed=3)
    trainer.step(40)
    source = export.script(cfg, trainer.schedule(), trainer.iteration)
    assert "datasets.absolute(60, 0.05, 5)" in source and "nncore.mlp(1, [(8, 'tanh')], 1, output='linear'" in source
    record = trainer.record()
    assert 0 < record["loss"] < 1 and run_script(tmp_path, source) == (
        f"iteration 40: loss {record['loss']!r}, accuracy {record['accuracy']!r}")


def test_history_csv_has_one_row_per_iteration():
    X, y = datasets.blobs(10, 3)
    t = nncore.Trainer(net(), nncore.Adam(), X, y)
    t.step(4)
    lines = export.history_csv(t.history()).splitlines()
    assert lines[0].startswith("iteration,loss,") and len(lines) == 6
    assert float(lines[5].split(",")[1]) == t.history()["loss"][4]


def test_a_small_npz_holding_a_huge_array_is_refused_before_decompressing(tmp_path):
    import tracemalloc

    path = tmp_path / "bomb.npz"
    target = net()
    np.savez_compressed(path, **{"0.dense1.weights": np.zeros((2, 4)), "0.dense1.biases": np.zeros((1, 4)),
                                 "1.dense2.weights": np.zeros((20_000, 4_000)), "1.dense2.biases": np.zeros((1, 3))})
    blob = path.read_bytes()
    assert len(blob) < nio.MAX_BYTES  # it passes the upload size limit...
    tracemalloc.start()
    with pytest.raises(ValueError, match="more than a"):
        nio.from_npz(blob, target)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000  # ...but is never inflated to its 640 MB
