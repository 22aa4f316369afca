"""Every st.session_state key, and the playground's one config object.

``Config`` is plain data (no Streamlit): it validates itself, and round-trips through
the URL's query parameters with ``to_query`` / ``from_query``. A link can't make the
server build something huge: every number has a bound, every name a whitelist.
"""

import re
from dataclasses import asdict, dataclass, fields, replace

from nncore.activations import ACTIVATIONS
from nncore.datasets import CLASS_RANGE
from nncore.optimizers import OPTIMIZERS


class K:
    """Session-state keys, derived ones included. Code uses these names, never bare strings."""

    # One-neuron and one-layer lessons
    NEURON_IT = "neuron.iteration"
    NEURON_SLIDER = "neuron.iteration.slider"  # its slider (widget key), mirrored into NEURON_IT
    NEURON_PLAYING = "neuron.playing"
    NEURON_PRECISION = "neuron.precision"
    LAYER_IT = "layer.iteration"
    LAYER_SLIDER = "layer.iteration.slider"
    LAYER_PLAYING = "layer.playing"
    LAYER_PRECISION = "layer.precision"
    LAYER_TAB = "layer.tab"         # the open tab (lazy tabs: only it is drawn)
    NEURON_CHECKED = "neuron.checked"  # the iteration whose predictions were checked (revealed)
    LAYER_CHECKED = "layer.checked"
    LESSON_TICK = "lesson.tick"     # clock time of the last move while playing (the next is due a tick later)
    LESSON_SPEED = "lesson.speed"   # play speed, iterations per second (plain value)
    LESSON_SPEED_WIDGET = "lesson.speed.widget"  # its select slider, mirrored into LESSON_SPEED
    LESSON_TRANSPORT = "lesson.transport"  # the row of a lesson's buttons (a CSS hook: K.css)
    # Playground: the run (ui.run.PlaygroundRun)
    CONFIG = "pg.config"            # the Config the trainer was built from
    TRAINER = "pg.trainer"
    VIEW_ITERATION = "pg.view_iteration"  # the iteration on screen (plain value; survives page switches)
    PAUSE = "pg.pause"              # a Pause waiting for the live view to say where it stopped
    PLAYING = "pg.playing"
    SEQ = "pg.seq"                  # id of the last batch of live frames sent
    STEP_FROM = "pg.step_from"      # the iteration one Step left, until the stage animates the step
    STAGE_MESSAGE = "pg.stage_message"  # why play stopped, shown by the stage until the next move
    PLAY_SCALE = "pg.play_scale"    # share of the chosen speed this session can afford (busy server)
    NOTICES = "pg.notices"          # messages for the next run ("data changed: reset"), oldest first
    CUSTOM_DATA = "pg.custom_data"  # (X, y) from an uploaded CSV or drawn points
    START_WEIGHTS = "pg.start_weights"  # (model key, parameters) from an uploaded weights file
    BUILD = "pg.build"              # counts the runs built in this session
    COMPARE_TRAINER = "pg.compare.trainer"  # (run B's key, run B's trainer), trained on demand
    # Playground: widgets
    REWIND_SLIDER = "pg.view"       # the rewind slider, mirrored into VIEW_ITERATION
    URL_NOTES = "pg.url_notes"      # what the URL asked for that was ignored
    TAB = "pg.tab"                  # the open tab of the playground's views
    INSPECT_LAYER = "pg.inspect_layer"
    INSPECT_TABLE = "pg.inspect_layer.table"
    INSPECT_HEATMAP = "pg.inspect_layer.heatmap"  # a wide layer's full heatmap, instead of its summary
    WEIGHT_LAYER = "pg.weight.layer"
    WEIGHT_I = "pg.weight.i"
    WEIGHT_J = "pg.weight.j"
    SHOW_TEST = "pg.show_test"
    EDGE_MODE = "pg.edge_mode"
    LIVE = "pg.live"                # the live component's fixed key
    TRANSPORT = "pg.transport"      # the row of transport buttons (a keyed container: a CSS hook, K.css)
    UNDER_LIVE = "pg.under_live"    # rewind slider and test-points switch, under the live view
    PRESET = "pg.preset"
    UPLOAD_WEIGHTS = "pg.upload_weights"
    UPLOAD_CSV = "pg.upload_csv"
    DRAW_CLASS = "pg.draw_class"
    DRAW = "pg.draw"
    COMPARE_OPTIMIZER = "pg.compare.optimizer"  # run B's settings in the comparison tab
    COMPARE_LR = "pg.compare.lr"
    COMPARE_ON = "pg.compare.on"
    TOUR = "tour"                   # step of the first-visit tour; None once dismissed
    TOUR_NEXT = "tour.next"
    TOUR_SKIP = "tour.skip"
    TOUR_BOX = "tour.box"           # the tour's container (CSS hook)
    PRESENT = "present"             # presentation mode switch (widget key)
    PRESENTATION = "presentation"   # presentation mode (plain value, see ui.controls)
    ENTRY = "entry"                 # set by app.py on every run (see ui/boot.py)

    _WIDGET = "pg.w."

    @staticmethod
    def widget(name):
        """The sidebar widget of Config field ``name`` (or "n_hidden", "neurons{i}", "act{i}")."""
        return K._WIDGET + name

    @staticmethod
    def prediction(lesson, part, iteration):
        """A lesson's exercise widget ``part`` (an answer's index, or "check") at ``iteration``: a
        new iteration gets empty boxes."""
        return f"{lesson}.predict.{part}.{iteration}"

    @staticmethod
    def css(key):
        """The CSS selector of the element keyed ``key``: Streamlit's frontend gives it the class
        "st-key-" + the key with every character outside [A-Za-z0-9_-] turned into "-"."""
        return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key.strip())


DATASETS = tuple(CLASS_RANGE)
CUSTOM = "custom"  # your own data: lives in the session, never in a link
HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "softmax")
OUTPUTS = ("softmax", "sigmoid")
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 128
SPEEDS = (1, 2, 5, 10, 25, 50, 100)


@dataclass(frozen=True)
class Config:
    # data
    dataset: str = "spiral"
    samples: int = 100          # per class
    classes: int = 3
    noise: float = 0.0
    test_fraction: float = 0.2
    data_seed: int = 0
    # model
    hidden: tuple = ((16, "relu"),)   # (neurons, activation) per hidden layer
    output: str = "softmax"
    l1: float = 0.0
    l2: float = 0.0
    weight_seed: int = 0
    # training
    optimizer: str = "adam"
    learning_rate: float = 0.02
    decay: float = 0.0
    momentum: float = 0.9
    epsilon: float = 1e-7
    rho: float = 0.9
    beta_1: float = 0.9
    beta_2: float = 0.999
    batch_size: int = 0         # 0: full batch
    # playing
    speed: int = 50             # iterations per animation frame: 24 frames/s x 50 = 1,200 iterations/s
    stop_at: int = 5000

    # -- what a change resets --------------------------------------------------------
    DATA_FIELDS = ("dataset", "samples", "classes", "noise", "test_fraction", "data_seed")
    MODEL_FIELDS = ("hidden", "output", "l1", "l2", "weight_seed", "optimizer", "batch_size")

    def data_key(self):
        return tuple(getattr(self, f) for f in self.DATA_FIELDS)

    def model_key(self):
        return tuple(getattr(self, f) for f in self.MODEL_FIELDS)

    def hyperparameters(self):
        """The optimizer's settings that may change mid-run without a reset."""
        names = OPTIMIZERS[self.optimizer]().hyperparameters
        return {n: getattr(self, n) for n in names}

    # -- validation --------------------------------------------------------------------
    def validated(self):
        """(a valid Config, [what was changed and why]); out-of-range values fall back."""
        notes, good = [], {}
        default = Config()
        for f in fields(self):
            value = getattr(self, f.name)
            ok, clean = _check(f.name, value, self)
            if ok:
                good[f.name] = clean
            else:
                good[f.name] = getattr(default, f.name)
                notes.append(f"{f.name}={_show(value)} is not allowed ({clean}); using {_show(good[f.name])}")
        cfg = replace(default, **good)
        lo, hi = CLASS_RANGE.get(cfg.dataset, (2, 5))
        if not lo <= cfg.classes <= hi:
            notes.append(f"{cfg.dataset} allows {lo}-{hi} classes, not {cfg.classes}; using {hi}")
            cfg = replace(cfg, classes=hi)
        if cfg.output == "sigmoid" and cfg.classes != 2:
            notes.append("a sigmoid output needs exactly 2 classes; using softmax")
            cfg = replace(cfg, output="softmax")
        return cfg, notes

    # -- URL -----------------------------------------------------------------------------
    def to_query(self):
        """{name: str} of the fields that differ from the defaults (short links)."""
        default = Config()
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "dataset" and value == CUSTOM:
                continue  # your own data lives in the session only
            if value != getattr(default, f.name):
                out[f.name] = _hidden_to_str(value) if f.name == "hidden" else repr(value).strip("'")
        return out

    @classmethod
    def from_query(cls, params):
        """(Config, notes) from a mapping of query parameters; never raises."""
        notes, values = [], {}
        types = {f.name: f.type for f in fields(cls)}
        for name, raw in dict(params).items():
            if name not in types:
                continue  # other parameters (e.g. presentation mode) belong to others
            raw = str(raw)[:200]
            if name == "dataset" and raw == CUSTOM:
                notes.append("dataset=custom: your own data is not part of a link; using the default")
                continue
            try:
                if name == "hidden":
                    values[name] = _hidden_from_str(raw)
                elif types[name] in (int, "int"):
                    values[name] = int(raw)
                elif types[name] in (float, "float"):
                    values[name] = float(raw)
                else:
                    values[name] = raw
            except (ValueError, OverflowError):
                notes.append(f"{name}={raw[:40]!r} could not be read; using the default")
        cfg, more = replace(cls(), **values).validated()
        return cfg, notes + more

    def as_dict(self):
        return asdict(self)


# Allowed values: (kind, lower, upper) for numbers, a tuple of names for choices.
BOUNDS = {
    "dataset": (*DATASETS, CUSTOM), "output": OUTPUTS, "optimizer": tuple(OPTIMIZERS),
    "samples": (int, 5, 500), "classes": (int, 2, 5), "noise": (float, 0.0, 1.0),
    "test_fraction": (float, 0.0, 0.5), "data_seed": (int, 0, 2**31 - 1), "weight_seed": (int, 0, 2**31 - 1),
    "l1": (float, 0.0, 1.0), "l2": (float, 0.0, 1.0),
    "learning_rate": (float, 0.0, 1e6), "decay": (float, 0.0, 1.0), "momentum": (float, 0.0, 0.999),
    "epsilon": (float, 1e-12, 1.0), "rho": (float, 0.0, 0.9999), "beta_1": (float, 0.0, 0.9999),
    "beta_2": (float, 0.0, 0.99999), "batch_size": (int, 0, 2500), "speed": (int, 1, 100),
    "stop_at": (int, 1, 1_000_000),
}


def _check(name, value, cfg):
    if name == "hidden":
        try:
            layers = tuple((int(n), str(a)) for n, a in value)
        except (TypeError, ValueError):
            return False, "not a list of (neurons, activation)"
        if len(layers) > MAX_HIDDEN_LAYERS:
            return False, f"at most {MAX_HIDDEN_LAYERS} hidden layers"
        for n, a in layers:
            if not 1 <= n <= MAX_NEURONS:
                return False, f"neurons per layer must be 1-{MAX_NEURONS}"
            if a not in HIDDEN_ACTIVATIONS:
                return False, f"activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}"
        return True, layers
    bound = BOUNDS[name]
    if isinstance(bound[0], str):
        return (True, value) if value in bound else (False, f"choose one of {', '.join(bound)}")
    kind, lo, hi = bound
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        return False, "not a number"
    if kind is float and number != number:
        return False, "not a number"
    if not lo <= number <= hi:
        return False, f"must be between {_show(lo)} and {_show(hi)}"
    return True, number


def _show(value):
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _hidden_to_str(hidden):
    """((16, "relu"), (8, "tanh")) -> "16relu-8tanh"; no hidden layer -> "none"."""
    return "-".join(f"{n}{a}" for n, a in hidden) or "none"


def _hidden_from_str(text):
    if text == "none":
        return ()
    layers = []
    for part in text.split("-")[: MAX_HIDDEN_LAYERS + 1]:
        digits = part[: len(part) - len(part.lstrip("0123456789"))]
        if not digits or len(digits) > 4:
            raise ValueError(part)
        layers.append((int(digits), part[len(digits):]))
    return tuple(layers)


PRESETS = {
    "Book, chapter 10: spiral, 2-64-3, Adam 0.05": Config(
        dataset="spiral", samples=100, classes=3, test_fraction=0.0, hidden=((64, "relu"),),
        optimizer="adam", learning_rate=0.05, decay=5e-7, stop_at=10_000, speed=50),
    "XOR with 4 tanh neurons, SGD": Config(
        dataset="xor", classes=2, noise=0.15, hidden=((4, "tanh"),), optimizer="sgd", learning_rate=0.5,
        momentum=0.9, stop_at=2000),
    # Adam at 0.02 kills every ReLU of this network for 3 of 10 weight seeds (seed 0 among them: stuck at
    # 53%); at 0.005 all 10 reach 100% within 1,500 iterations.
    "Circles, two ReLU layers": Config(
        dataset="circles", classes=2, noise=0.08, hidden=((8, "relu"), (8, "relu")), learning_rate=0.005),
    "Vanishing gradients: 4 sigmoid layers": Config(
        dataset="moons", classes=2, hidden=((8, "sigmoid"),) * 4, optimizer="sgd", learning_rate=0.5,
        momentum=0.0, stop_at=5000),
    # The L2 term pulls each weight by 2 * l2 * lr * w per step: past 2 the pull overshoots and grows
    # the weight geometrically, until it overflows (about 120 iterations here).
    "Too large a learning rate (diverges)": Config(
        dataset="blobs", classes=3, hidden=((16, "relu"),), optimizer="sgd", learning_rate=100.0,
        momentum=0.0, l2=0.1),
}
