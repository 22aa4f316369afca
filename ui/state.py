"""Every st.session_state key, and the playground's one config object.

``Config`` is plain data (no Streamlit): it validates itself, and round-trips through
the URL's query parameters with ``to_query`` / ``from_query``. A link can't make the
server build something huge: every number has a bound, every name a whitelist.
"""

import re
from dataclasses import asdict, dataclass, fields, replace

from nncore.activations import ACTIVATIONS
from nncore.datasets import CLASS_RANGE, REGRESSION
from nncore.features import FEATURES, canonical
from nncore.layers import INITS
from nncore.network import output_size
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
    NEURON_LANDSCAPE = "neuron.landscape.pair"  # the two parameters of the neuron's loss landscape
    NEURON_LANDSCAPE_ON = "neuron.landscape.on"  # its switch (a Plotly contour: off, a Step stays quick)
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
    # Playground: challenges (ui.challenges)
    CHALLENGE = "pg.challenge"      # id of the challenge played, or None (plain value)
    LOCKS = "pg.challenge.locks"    # {Config field: value} locked (the challenge's own and a link's)
    LINK_LOCKS = "pg.challenge.link_locks"  # the fields a teacher's link locked, kept in the URL
    CHALLENGES_MET = "pg.challenge.met"     # {(challenge id, stage)} met in this session
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
    CHALLENGE_PICK = "pg.challenge.pick"    # the sidebar's challenge selectbox, mirrored into CHALLENGE
    SHARE_LOCK = "pg.challenge.share_lock"  # the settings a teacher picks to lock in the challenge link
    CHALLENGE_LINE = "pg.challenge.line"    # the challenge's line above the stage (a CSS hook, K.css)
    UPLOAD_WEIGHTS = "pg.upload_weights"
    UPLOAD_CSV = "pg.upload_csv"
    DRAW_CLASS = "pg.draw_class"
    DRAW = "pg.draw"
    COMPARE_OPTIMIZER = "pg.compare.optimizer"  # run B's settings in the comparison tab
    COMPARE_LR = "pg.compare.lr"
    COMPARE_ON = "pg.compare.on"
    LANDSCAPE = "pg.landscape"      # {(build, iteration, weights, plane...): computed landscape}, a few kept
    LANDSCAPE_PLANE = "pg.landscape.plane"  # random directions, or two chosen parameters
    LANDSCAPE_SEED = "pg.landscape.seed"
    LANDSCAPE_SPAN = "pg.landscape.span"
    LANDSCAPE_B = "pg.landscape.b"  # draw run B's path too
    HIST_LOG = "pg.histograms.log"  # the Histograms tab's gradients by log10 |value| (else by value)
    HIST_LOG_COUNTS = "pg.histograms.log_counts"  # its counts on a log axis
    TOUR = "tour"                   # step of the first-visit tour; None once dismissed
    TOUR_NEXT = "tour.next"
    TOUR_SKIP = "tour.skip"
    TOUR_BOX = "tour.box"           # the tour's container (CSS hook)
    PRESENT = "present"             # presentation mode switch (widget key)
    PRESENTATION = "presentation"   # presentation mode (plain value, see ui.controls)
    FOLD_SIDEBAR = "presentation.fold"  # presentation mode just turned on: fold the sidebar once
    ENTRY = "entry"                 # set by app.py on every run (see ui/boot.py)
    FROZEN = "pg.frozen"            # the Training section's frozen-layers multiselect (session only, not in a link)

    _WIDGET = "pg.w."

    @staticmethod
    def widget(name):
        """The sidebar widget of Config field ``name`` (or "n_hidden", "neurons{i}", "act{i}")."""
        return K._WIDGET + name

    @staticmethod
    def landscape_axis(axis, part):
        """The landscape's pickers of a chosen parameter: ``axis`` "p" (horizontal) or "q", ``part``
        "layer", "neuron" or "input" (an input i, or the bias)."""
        return f"pg.landscape.{axis}.{part}"
    def prediction(lesson, part, iteration):
        """A lesson's exercise widget ``part`` (an answer's index, or "check") at ``iteration``: a
        new iteration gets empty boxes."""
        return f"{lesson}.predict.{part}.{iteration}"

    @staticmethod
    def css(key):
        """The CSS selector of the element keyed ``key``: Streamlit's frontend gives it the class
        "st-key-" + the key with every character outside [A-Za-z0-9_-] turned into "-"."""
        return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key.strip())


REGRESSION_DATASETS = tuple(REGRESSION)  # 1-D x -> y; the output is "linear" (mean squared error)
DATASETS = tuple(CLASS_RANGE) + REGRESSION_DATASETS
CUSTOM = "custom"  # your own data: lives in the session, never in a link
HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "softmax")
CLASSIFIER_OUTPUTS = ("softmax", "sigmoid")
OUTPUTS = (*CLASSIFIER_OUTPUTS, "linear")
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 128
MAX_SAMPLES_PER_CLASS = 500  # up to 2,500 points; a regression's samples go to BOUNDS' 1,000 (the book's sine)
SPEEDS = (1, 2, 5, 10, 25, 50, 100)


# The defaults are the run a first visit sees: it must visibly learn in the first seconds of Play (Play
# starts at a twentieth of the speed and doubles each second: 168 iterations after 2 s, 408 after 3 s) and
# end as a teacher would show it, with
# a network narrow enough to draw. Measured with bench/presets.py (train / test accuracy): iteration 0
# 35% / 30%, 100 89% / 83%, 300 97% / 93%, 1,000 99.6% / 96.7%, 5,000 99.6% / 98.3% (test loss falling
# throughout: 1.10, 0.56, 0.21, 0.07, 0.05); weight seeds 1-4 end at 95-100% test too. The spiral these
# defaults replaced (16 ReLU, Adam 0.02) ended at 65% / 50% with its test loss rising: the nnfs spiral needs
# the book's 64 neurons and still generalises poorly.
@dataclass(frozen=True)
class Config:
    # data
    dataset: str = "circles"
    samples: int = 100          # per class
    classes: int = 3
    noise: float = 0.08
    test_fraction: float = 0.2
    data_seed: int = 0
    # model
    hidden: tuple = ((16, "relu"),)   # (neurons, activation) per hidden layer
    output: str = "softmax"
    l1: float = 0.0
    l2: float = 0.0
    weight_seed: int = 0
    init: str = "book"          # how the first weights are drawn (nncore.INITS)
    dropout: float = 0.0        # the book's chapter 15 Dropout after each hidden layer
    features: tuple = ()        # input features besides x1, x2 (nncore.FEATURES names, in its order)
    # training
    optimizer: str = "adam"
    learning_rate: float = 0.01   # at 0.02 it is at 96% by iteration 100: too quick to watch it learn
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
    MODEL_FIELDS = ("hidden", "output", "l1", "l2", "weight_seed", "init", "dropout", "features", "optimizer",
                    "batch_size")

    def data_key(self):
        return tuple(getattr(self, f) for f in self.DATA_FIELDS)

    def model_key(self):
        return tuple(getattr(self, f) for f in self.MODEL_FIELDS)

    @property
    def regression(self):
        """A 1-D regression dataset: x -> y, a linear output and mean squared error; ``classes`` does not apply."""
        return self.dataset in REGRESSION_DATASETS

    @property
    def n_inputs(self):
        """The network's input width: the data's (x for the 1-D regression datasets, (x1, x2) otherwise)."""
        return 1 if self.regression else 2

    @property
    def n_outputs(self):
        """The output layer's width: one value y for regression, else one per class (one P(class 1) for
        a sigmoid)."""
        return 1 if self.regression else output_size(self.output, self.classes)

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
                notes.append(f"{f.name}={link_value(f.name, value)} is not allowed ({clean}); "
                             f"using {link_value(f.name, good[f.name])}")
        cfg = replace(default, **good)
        if cfg.regression:
            # The dataset decides the task: a link asking sine with sigmoid gets sine, as regression, and a
            # note; a link naming only the dataset (the output left at its default) needs none.
            if cfg.output == default.output:
                cfg = replace(cfg, output="linear")
            elif cfg.output != "linear":
                notes.append(f"{cfg.dataset} is a regression dataset (x -> y): its output is linear with mean "
                             f"squared error, not {cfg.output}; using linear")
                cfg = replace(cfg, output="linear")
            if cfg.features:
                notes.append(f"input features are built from the plane's (x1, x2); {cfg.dataset} has one input x, "
                             f"so features={_features_to_str(cfg.features)} is not used")
                cfg = replace(cfg, features=())
            return cfg, notes
        if cfg.samples > MAX_SAMPLES_PER_CLASS:
            notes.append(f"samples={cfg.samples} per class is too many for classification (at most "
                         f"{MAX_SAMPLES_PER_CLASS}); using {MAX_SAMPLES_PER_CLASS}")
            cfg = replace(cfg, samples=MAX_SAMPLES_PER_CLASS)
        if cfg.output == "linear":
            notes.append(f"a linear output (regression) needs a regression dataset ({', '.join(REGRESSION_DATASETS)}),"
                         f" not {cfg.dataset}; using softmax")
            cfg = replace(cfg, output="softmax")
        lo, hi = CLASS_RANGE.get(cfg.dataset, (2, 5))
        if not lo <= cfg.classes <= hi:
            notes.append(f"{cfg.dataset} allows {lo}-{hi} classes, not {cfg.classes}; using {hi}")
            cfg = replace(cfg, classes=hi)
        if cfg.output == "sigmoid" and cfg.classes != 2:
            notes.append("a sigmoid output needs exactly 2 classes; using softmax")
            cfg = replace(cfg, output="softmax")
        return cfg, notes

    # -- URL -----------------------------------------------------------------------------
    def to_query(self, base=None):
        """{name: str} of the fields that differ from ``base`` (default: the defaults; short links)."""
        default = base or Config()
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "dataset" and value == CUSTOM:
                continue  # your own data lives in the session only
            if value != getattr(default, f.name):
                out[f.name] = link_value(f.name, value)
        return out

    @classmethod
    def from_query(cls, params, base=None):
        """(Config, notes) from a mapping of query parameters over ``base`` (default: the defaults);
        never raises."""
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
                elif name == "features":
                    values[name] = _features_from_str(raw)
                elif types[name] in (int, "int"):
                    values[name] = int(raw)
                elif types[name] in (float, "float"):
                    values[name] = float(raw)
                else:
                    values[name] = raw
            except (ValueError, OverflowError):
                notes.append(f"{name}={raw[:40]} could not be read; using the default")
        cfg, more = replace(base or cls(), **values).validated()
        return cfg, notes + more

    def as_dict(self):
        return asdict(self)


# Each setting's name for people: its sidebar widget's label (some add a hint), and how a notice names it.
LABELS = {
    "dataset": "Dataset", "samples": "Samples per class", "classes": "Classes", "noise": "Noise",
    "test_fraction": "Test fraction", "data_seed": "Data seed", "features": "Input features",
    "hidden": "Hidden layers", "output": "Output", "l1": "L1", "l2": "L2", "weight_seed": "Weight seed",
    "init": "Initial weights", "dropout": "Dropout", "optimizer": "Optimizer", "learning_rate": "Learning rate",
    "decay": "Decay", "momentum": "Momentum", "epsilon": "Epsilon", "rho": "Rho", "beta_1": "Beta 1",
    "beta_2": "Beta 2", "batch_size": "Batch size", "speed": "Iterations per frame", "stop_at": "Stop at iteration",
}


# Allowed values: (kind, lower, upper) for numbers, a tuple of names for choices.
BOUNDS = {
    "dataset": (*DATASETS, CUSTOM), "output": OUTPUTS, "optimizer": tuple(OPTIMIZERS),
    "samples": (int, 5, 1000), "classes": (int, 2, 5), "noise": (float, 0.0, 1.0),
    "test_fraction": (float, 0.0, 0.5), "data_seed": (int, 0, 2**31 - 1), "weight_seed": (int, 0, 2**31 - 1),
    "l1": (float, 0.0, 1.0), "l2": (float, 0.0, 1.0), "init": tuple(INITS), "dropout": (float, 0.0, 0.5),
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
    if name == "features":
        try:
            names = () if isinstance(value, str) else tuple(value)
        except TypeError:
            names = ()
        if (value and not names) or len(names) > len(FEATURES):
            return False, f"at most {len(FEATURES)} of {', '.join(FEATURES)}"
        try:
            return True, canonical(names)
        except ValueError as err:
            return False, str(err)
    bound = BOUNDS[name]
    if isinstance(bound[0], str):
        # Name only what a link may carry: your own data is valid here (the sidebar's config), never in a link.
        named = ", ".join(b for b in bound if b != CUSTOM)
        return (True, value) if value in bound else (False, f"choose one of {named}")
    kind, lo, hi = bound
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        return False, "not a number"
    if kind is float and number != number:
        return False, "not a number"
    if not lo <= number <= hi:
        return False, f"must be between {link_value(name, kind(lo))} and {link_value(name, kind(hi))}"
    return True, number


def link_value(name, value):
    """``value`` of field ``name`` as a link writes it: "16relu-8tanh", "0.02", "spiral". The notes
    about a bad link quote it this way too, so a teacher finds it in the address bar."""
    if name in ("hidden", "features"):
        try:
            return _hidden_to_str(value) if name == "hidden" else _features_to_str(value)
        except (TypeError, ValueError):  # not (neurons, activation) pairs or names: there is no link form
            return str(value)
    return value if isinstance(value, str) else repr(value)


def _hidden_to_str(hidden):
    """((16, "relu"), (8, "tanh")) -> "16relu-8tanh"; no hidden layer -> "none"."""
    return "-".join(f"{n}{a}" for n, a in hidden) or "none"


def _features_to_str(features):
    """("x1sq", "sinx1") -> "x1sq-sinx1"; none -> "none"."""
    return "-".join(str(f) for f in features) or "none"


def _features_from_str(text):
    # Kept as written (unknown names, repeats): validation refuses them with a note naming them.
    return () if text in ("none", "") else tuple(text.split("-")[: len(FEATURES) + 1])


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
        dataset="spiral", samples=100, classes=3, noise=0.0, test_fraction=0.0, hidden=((64, "relu"),),
        optimizer="adam", learning_rate=0.05, decay=5e-7, stop_at=10_000, speed=50),
    # The book's chapter 17 (regression on its sine data), as the book runs it: 1,000 points, 1-64-64-1 ReLU with a
    # linear output and mean squared error, weights 0.1 * randn (the chapter raises them from 0.01: "book17"),
    # Adam(learning_rate=0.005, decay=1e-3), full batch. Measured with nncore (weight seed 0), loss / the book's
    # regression accuracy: iteration 0 0.50 / 0.2%, 100 0.052 / 0.9%, 300 2.2e-4 / 62%, 1,000 3.7e-6 / 93%,
    # 3,000 99%, 10,000 98.5%. From the chapters before's 0.01 * randn the same network stalls at loss 0.031
    # (44% at 1,000, 57% at 10,000): the chapter's own lesson. Play is past iteration 300 within 3 s.
    "Book, chapter 17: sine regression, 1-64-64-1, Adam 0.005": Config(
        dataset="sine", samples=1000, noise=0.0, test_fraction=0.0, hidden=((64, "relu"), (64, "relu")),
        output="linear", init="book17", optimizer="adam", learning_rate=0.005, decay=1e-3, stop_at=10_000),
    "XOR with 4 tanh neurons, SGD": Config(
        dataset="xor", classes=2, noise=0.15, hidden=((4, "tanh"),), optimizer="sgd", learning_rate=0.5,
        momentum=0.9, stop_at=2000),
    # Adam at 0.02 kills every ReLU of this network for 3 of 10 weight seeds (seed 0 among them: stuck at
    # 53%); at 0.005 all 10 reach 100% within 1,500 iterations.
    "Circles, two ReLU layers": Config(
        dataset="circles", classes=2, noise=0.08, hidden=((8, "relu"), (8, "relu")), learning_rate=0.005),
    # From weights of 0.01 (nncore.mlp) every hidden layer's output is about 0.5 for every point: an error
    # signal reaches the first layer only through four sigmoids (a quarter of it each, at most) and those small
    # weights. Full batch, the output layer settles on the class share within 10 iterations and every layer's
    # ||dL/dW|| is then a flat 1e-9 (nothing to see); batches of 16 keep the output's error coming (each batch
    # has its own class share), so the norms fall toward the input by orders of magnitude throughout: the
    # first layer's is 4,000 to 10^8 times smaller than the last's at iterations 0, 100, 300, 1,000, 3,000
    # and 5,000 (weight seeds 0-2). The network stays at chance (its boundary a near-white p = 0.5 +- 0.13):
    # SGD moves the first layers by next to nothing. What to change (the Gradient norms tab says it too):
    # Adam, which scales each weight's step by its own gradient's size, at learning rate 0.01 reaches 100%
    # train / 88% test accuracy by iteration 300 (at SGD's 0.5 it fails too).
    "Vanishing gradients: 4 sigmoid layers": Config(
        dataset="moons", classes=2, noise=0.1, hidden=((8, "sigmoid"),) * 4, optimizer="sgd", learning_rate=0.5,
        momentum=0.0, batch_size=16, stop_at=5000),
    # Two linear layers: each one's gradient is proportional to the other's weights, so a step too large to
    # settle overshoots, makes both larger, and the next step larger still. The loss jumps from 1.10 to 11
    # within 5 iterations (Play's first frame) and the weights overflow at iteration 204, a second into
    # Play. At 5 the same network reaches 98% test accuracy in 10 iterations. (With ReLU the same steps
    # switch every neuron off instead: the loss stays high but nothing overflows.)
    "Too large a learning rate (diverges)": Config(
        dataset="blobs", classes=3, noise=0.2, hidden=((8, "linear"),), optimizer="sgd", learning_rate=10.0,
        momentum=0.0),
}
