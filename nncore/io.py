"""Weights to and from JSON and .npz — never pickle, never eval — validated on the way in.

A weights file holds, per Dense layer in order, its name and its ``weights`` (n_inputs,
n_neurons) and ``biases`` (1, n_neurons), and what they were trained for: the first layer's
``inputs`` (x1, x2 and any features, by label) and the ``activations`` after each Dense layer.
Loading checks every name, shape and value, and those two lists, against the network it goes
into; anything else (extra keys included) is refused with a message that names what was wrong.
The network is changed only if everything is valid. Files of the first format (names and shapes
only, before input features existed) are still read.
"""

import io
import json

import numpy as np

FORMAT = "backprop-lab-weights/2"
FORMAT_1 = "backprop-lab-weights/1"   # no inputs or activations: read, not written
KEYS = {FORMAT: {"format", "inputs", "activations", "layers"}, FORMAT_1: {"format", "layers"}}
DESCRIPTION = ("inputs", "activations")
MAX_BYTES = 2_000_000  # the largest network the app builds needs well under 1 MB


def describe(network):
    """{"inputs": [...], "activations": [...]}: what a network's weights are for."""
    return {"inputs": list(network.input_labels), "activations": list(network.activation_names)}


def to_json(network):
    layers = [{"name": d.name, "weights": d.weights.tolist(), "biases": d.biases.tolist()}
              for d in network.dense_layers]
    # repr-exact floats: json writes the shortest string that reads back to the same float64
    return json.dumps({"format": FORMAT, **describe(network), "layers": layers})


def to_npz(network):
    buffer = io.BytesIO()
    arrays = {key: np.array(value) for key, value in describe(network).items()}  # unicode arrays: no pickle
    for k, d in enumerate(network.dense_layers):
        arrays[f"{k}.{d.name}.weights"] = d.weights
        arrays[f"{k}.{d.name}.biases"] = d.biases
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def from_json(data, network):
    """Parse ``data`` (bytes or str) and load it into ``network``; raises ValueError."""
    raw = _limited(data)
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError as err:
        raise ValueError(f"the weights file is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"the weights file is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") \
            from None
    except RecursionError:
        raise ValueError("the weights file is not a weights file: its JSON is nested too deeply") from None
    if not isinstance(doc, dict) or "format" not in doc:
        got = "an object without a 'format'" if isinstance(doc, dict) else f"a {type(doc).__name__}"
        raise ValueError(f"this is not a Backprop Lab weights file: it holds {got} (a weights file is an object "
                         f"with the keys {', '.join(sorted(KEYS[FORMAT]))})")
    if not isinstance(doc["format"], str) or doc["format"] not in KEYS:
        raise ValueError(f"unknown format {str(doc['format'])[:40]!r}; expected {FORMAT!r}")
    if set(doc) != KEYS[doc["format"]]:
        raise ValueError(f"a {doc['format']} file has exactly the keys {sorted(KEYS[doc['format']])}; "
                         f"this one has {sorted(doc)}")
    layers = doc["layers"]
    if not isinstance(layers, list):
        raise ValueError("'layers' must be a list")
    parsed = []
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"name", "weights", "biases"}:
            raise ValueError(f"layer {k}: expected exactly the keys 'name', 'weights', 'biases'")
        parsed.append((layer["name"], _array(layer["weights"], f"layer {k} weights"),
                       _array(layer["biases"], f"layer {k} biases")))
    _load(parsed, network, {key: doc[key] for key in DESCRIPTION} if doc["format"] == FORMAT else None)


def from_npz(data, network):
    """Parse ``data`` (.npz bytes) without pickle and load it into ``network``; raises ValueError.

    Names and sizes are checked before anything is decompressed: a small archive can hold
    arrays of gigabytes."""
    raw = _limited(data)
    if not raw.startswith(b"PK\x03\x04"):
        raise ValueError("not a .npz file: it does not start like a zip archive")
    layers = network.dense_layers
    expected = {f"{k}.{d.name}.{p}": getattr(d, p).shape for k, d in enumerate(layers) for p in ("weights", "biases")}
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            # Only .npy members, each once: numpy reads any other member whole, before a size check could
            # see it (a small archive can hold gigabytes).
            members = npz.zip.namelist()
            if len(set(members)) != len(members) or not all(m.endswith(".npy") for m in members):
                raise ValueError("the .npz file holds something other than one .npy array per name")
            names = set(npz.files)
            described, description = names & set(DESCRIPTION), None
            if described:  # a first-format file has neither
                if described != set(DESCRIPTION):
                    raise ValueError(f"the .npz file has {sorted(described)[0]!r} but not "
                                     f"{sorted(set(DESCRIPTION) - described)[0]!r}")
                for key in DESCRIPTION:
                    if npz.zip.getinfo(f"{key}.npy").file_size > 4096:
                        raise ValueError(f"{key}: more than a short list of names")
                description = {key: npz[key].tolist() for key in DESCRIPTION}
                names -= described
            missing = sorted(set(expected) - names)
            if missing:
                raise ValueError(f"the .npz file has no array {missing[0]!r}; it has {sorted(names)[:8]}")
            extra = sorted(names - set(expected))
            if extra:
                raise ValueError(f"the .npz file has arrays this network does not: {extra[:5]}")
            for name, shape in expected.items():
                size = npz.zip.getinfo(f"{name}.npy").file_size  # uncompressed, from the zip directory
                if size > 128 + 8 * int(np.prod(shape)):
                    raise ValueError(f"{name}: {size:,} bytes, more than a {shape} array of numbers needs")
            files = {name: npz[name] for name in expected}
    except ValueError as err:
        if "pickle" in str(err):  # object arrays need pickle: refused
            raise ValueError("the .npz file holds something other than plain numbers") from None
        raise
    except Exception as err:
        raise ValueError(f"not a valid .npz file ({type(err).__name__})") from None
    _load([(d.name, _array(files[f"{k}.{d.name}.weights"], f"{k}.{d.name}.weights"),
            _array(files[f"{k}.{d.name}.biases"], f"{k}.{d.name}.biases")) for k, d in enumerate(layers)], network,
          description)


def _check_description(doc, network):
    """The file's ``inputs`` and ``activations`` (lists of names) against ``network``'s."""
    for key in DESCRIPTION:
        value = doc[key]
        if not isinstance(value, list) or len(value) > 64 or not all(_is_name(v) for v in value):
            raise ValueError(f"'{key}' must be a short list of names")
    mine = describe(network)
    for key, note in (("inputs", ""), ("activations", " (one per Dense layer)")):
        if doc[key] != mine[key]:
            hint = ("They are from a regression run (one input): choose the sine or abs dataset"
                    if key == "inputs" and doc[key] == ["x1"] else "Choose the same in the sidebar")
            raise ValueError(f"these weights are for the {key} {', '.join(doc[key]) or '(none)'}{note}; this "
                             f"network's are {', '.join(mine[key])}. {hint}, then load them again")


def _is_name(value):
    """A label a message may show: a short printable string that encodes as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str) or len(value) > 40 or not value.isprintable():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _limited(data):
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_BYTES:
        raise ValueError(f"the file is {len(raw):,} bytes; at most {MAX_BYTES:,} are accepted")
    if not raw:
        raise ValueError("the file is empty")
    return raw


def _no_constants(name):
    raise ValueError(f"the weights file contains {name}; weights must be finite numbers")


def _array(value, what):
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: not a rectangular array of numbers") from None
    if array.ndim != 2:
        raise ValueError(f"{what}: expected a 2-D array, got {array.ndim}-D")
    return array


def _load(parsed, network, description=None):
    """Check and set ``parsed`` [(name, weights, biases)]: the layer count, then what the weights are for
    (``description``, None for a first-format file), then names and shapes."""
    layers = network.dense_layers
    if len(parsed) != len(layers):
        raise ValueError(f"the file has {len(parsed)} Dense layers; this network has {len(layers)} "
                         f"({', '.join(f'{d.name} {d.weights.shape}' for d in layers)})")
    if description is not None:
        _check_description(description, network)
    for (name, _, _), d in zip(parsed, layers):
        if name != d.name:
            raise ValueError(f"layer {name!r} in the file, but this network's layer is {d.name!r}")
    network.set_parameters([(w, b) for _, w, b in parsed])  # checks shapes and finiteness
