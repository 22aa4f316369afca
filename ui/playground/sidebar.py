"""The playground's sidebar: config <-> widgets, your own data and weights, save, load, share."""

from urllib.parse import urlencode, urlsplit

import streamlit as st

import nncore
from nncore.datasets import CLASS_RANGE
from nncore.features import FEATURES
from ui import challenges, export, uploads
from ui.controls import download, presentation
from ui.playground import current_run
from ui.state import (
    BOUNDS,
    CLASSIFIER_OUTPUTS,
    CUSTOM,
    DATASETS,
    HIDDEN_ACTIVATIONS,
    LABELS,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    MAX_SAMPLES_PER_CLASS,
    PRESETS,
    REGRESSION_DATASETS,
    SPEEDS,
    Config,
    K,
)

widget = K.widget


def put_widgets(cfg, only_missing=False, only=None):
    """Write ``cfg`` into the sidebar widgets' session-state values (before they are drawn).
    ``only_missing``: just the values Streamlit dropped because their widget was not drawn last
    run (another optimizer's settings, a removed layer, the sliders hidden for your own data).
    ``only``: just these fields (a challenge's locked settings)."""
    ss = st.session_state
    values = {widget(name): value for name, value in cfg.as_dict().items()
              if name != "hidden" and (only is None or name in only)}
    if widget("features") in values:
        values[widget("features")] = list(cfg.features)  # a multi-select widget's value is a list
    if only is None or "hidden" in only:
        values[widget("n_hidden")] = len(cfg.hidden)
        for i in range(MAX_HIDDEN_LAYERS):
            n, act = cfg.hidden[i] if i < len(cfg.hidden) else (8, "relu")
            values[widget(f"neurons{i}")], values[widget(f"act{i}")] = n, act
    for key, value in values.items():
        if not only_missing or key not in ss:
            ss[key] = value


def widgets_config():
    """The Config the sidebar widgets describe, made valid (and what had to change). A setting whose
    widget was not drawn last run (another optimizer's, the sliders hidden for your own data) has
    been dropped by Streamlit: a fragment rerun, which draws no sidebar, takes the last config's."""
    ss = st.session_state
    last = ss.get(K.CONFIG, Config()).as_dict()
    values = {name: ss.get(widget(name), value) for name, value in last.items() if name != "hidden"}
    values["hidden"] = tuple((int(ss[widget(f"neurons{i}")]), ss[widget(f"act{i}")])
                             for i in range(ss[widget("n_hidden")]))
    # A challenge's locked settings hold whatever moved a widget (New weights, your own data).
    return challenges.enforce(ss, Config(**values)).validated()


def locked(name):
    """Whether Config field ``name`` is locked by the challenge played (its widget is disabled)."""
    return name in challenges.locks(st.session_state)


def on_challenge():
    ss = st.session_state
    cfg = challenges.choose(ss, ss[K.CHALLENGE_PICK])
    if cfg is not None:
        put_widgets(cfg)


def challenge_name(challenge_id):
    # Fixed labels: a label that changed once a challenge is met would make a new widget of the selectbox.
    return "None (free play)" if challenge_id is None else challenges.CHALLENGES[challenge_id].title


def apply_preset():
    put_widgets(PRESETS[st.session_state[K.PRESET]])


def new_weights():
    st.session_state[widget("weight_seed")] = (st.session_state[widget("weight_seed")] + 1) % (2**31 - 1)


def use_custom_dataset(on):
    """Point the dataset widget at your own data (or away from it, once it is gone).

    A student's own points all train: a test split would hide some of them from the live view (it
    draws the training points; test points only on request), and of a few dozen clicked points
    the network would fit fewer than were drawn, without a word. So switching to your data sets
    Test fraction to 0, and says so; raising it again is the student's choice, and Show test points
    draws those hollow. Leaving your data puts the usual split back."""
    ss = st.session_state
    if on:
        if ss[widget("dataset")] != CUSTOM and ss[widget("test_fraction")] > 0:
            ss[widget("test_fraction")] = 0.0
            current_run().notify("info", "Every one of your points trains the network (Test fraction is now 0). "
                                         "To hold some out, raise Test fraction; Show test points draws them hollow.")
        ss[widget("dataset")] = CUSTOM
    elif ss[widget("dataset")] == CUSTOM:
        ss[widget("dataset")] = DATASETS[0]
        ss[widget("test_fraction")] = Config().test_fraction


def on_csv():
    upload = st.session_state[K.UPLOAD_CSV]
    if upload is None:
        return
    run = current_run()
    try:
        X, y = uploads.read_csv(upload.getvalue())
    except ValueError as err:
        run.notify("warning", f"{upload.name} was not loaded: {err}. Your run is unchanged.")
        return
    run.use_custom_data(X, y)
    run.notify("info", f"Loaded {len(X)} points in {int(y.max()) + 1} classes from {upload.name}: "
                       "training restarted at iteration 0.")
    use_custom_dataset(True)


def on_weights_upload():
    upload = st.session_state[K.UPLOAD_WEIGHTS]
    if upload is None:
        return
    run = current_run()
    error = run.load_weights(upload.name, upload.getvalue())
    if error:
        run.notify("warning", f"Not loaded — {error}. Your run is unchanged.")
    else:
        run.notify("info", f"Loaded the weights from {upload.name}: a new run starts from them at iteration 0.")


def share_link(cfg, page_url, present, query=None):
    """The URL that reproduces ``cfg`` (and presentation mode, if on) on the page at ``page_url``;
    ``query``: the parameters to use instead of ``cfg``'s (a challenge's link)."""
    query = dict(cfg.to_query() if query is None else query)
    if present:
        query["present"] = "1"
    base = urlsplit(page_url or "http://localhost:8501/playground")
    return f"{base.scheme}://{base.netloc}/playground" + (f"?{urlencode(query)}" if query else "")


def sync_url(cfg):
    """Keep the address bar equal to the config (and the challenge played), so the URL itself is
    always a share link."""
    ss = st.session_state
    query = challenges.link_query(ss, cfg, challenges.link_locks(ss))
    for key in list(st.query_params):
        if key not in query and key != "present":
            del st.query_params[key]
    for key, value in query.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def draw(run):
    """The sidebar; applies its config to ``run``. Returns what validation had to change."""
    ss = st.session_state
    if K.CONFIG not in ss:  # first run of this session: the URL may carry a config
        params = st.query_params.to_dict()
        cfg_from_url, notes = challenges.from_link(ss, params)  # a config, and a challenge if it asks for one
        put_widgets(cfg_from_url)
        ss[K.URL_NOTES] = notes
    else:
        put_widgets(ss[K.CONFIG], only_missing=True)
    locks = challenges.locks(ss)
    if locks:
        put_widgets(Config(**locks), only=locks)
    sb = st.sidebar
    sb.selectbox("Preset", list(PRESETS), index=None, placeholder="Choose a preset…", key=K.PRESET,
                 on_change=apply_preset, disabled=bool(locks),
                 help="Leave the challenge to use a preset" if locks else None)
    ss[K.CHALLENGE_PICK] = ss.get(K.CHALLENGE)
    # None is also "nothing chosen" to a selectbox, which then shows its placeholder: the same words.
    sb.selectbox("Challenge", (None, *challenges.CHALLENGES), key=K.CHALLENGE_PICK, on_change=on_challenge,
                 placeholder=challenge_name(None),
                 format_func=challenge_name, disabled=bool(challenges.link_locks(ss)),
                 help="Your teacher's link chose this challenge" if challenges.link_locks(ss) else
                 "A task with a goal, checked at the iteration on screen (each is a classification task)")
    with sb.expander("Data", expanded=not presentation()):
        data_widgets(run)
    with sb.expander("Model", expanded=not presentation()):
        model_widgets()
    training = sb.expander("Training", expanded=not presentation())
    with training:
        training_widgets()
    with sb.expander("Play", expanded=False):
        st.select_slider(LABELS["speed"], SPEEDS, key=widget("speed"), disabled=locked("speed"))
        st.number_input(LABELS["stop_at"], 1, BOUNDS["stop_at"][2], key=widget("stop_at"), disabled=locked("stop_at"))
    cfg, fixes = widgets_config()
    run.apply_config(cfg)
    with training:  # after apply_config: the layers to choose from are the network's as rebuilt
        frozen_widget(run)
    with sb.expander("Save, load, share", expanded=False):
        save_load_share(run, cfg)
    sync_url(cfg)
    return fixes


def data_widgets(run):
    ss = st.session_state
    custom = ss.get(K.CUSTOM_DATA)
    choices = DATASETS + ((CUSTOM,) if custom is not None else ())
    if ss[widget("dataset")] not in choices:
        ss[widget("dataset")] = DATASETS[0]
    st.selectbox(LABELS["dataset"], choices, key=widget("dataset"), disabled=locked("dataset"),
                 format_func=dataset_label(custom),
                 help="sine and abs are regression (a curve y over x, fitted by mean squared error); the others "
                      "are classification (classes of points in the (x1, x2) plane)")
    dataset = ss[widget("dataset")]
    if dataset == CUSTOM:
        ss[widget("classes")] = int(custom[1].max()) + 1
    else:
        regression = dataset in REGRESSION_DATASETS
        if not regression:  # classes do not apply to a curve
            lo, hi = CLASS_RANGE[dataset]
            ss[widget("classes")] = min(max(ss[widget("classes")], lo), hi)
            if lo < hi:
                st.slider(LABELS["classes"], lo, hi, key=widget("classes"), disabled=locked("classes"))
        top = BOUNDS["samples"][2] if regression else MAX_SAMPLES_PER_CLASS
        ss[widget("samples")] = min(ss[widget("samples")], top)
        st.slider("Samples" if regression else LABELS["samples"], BOUNDS["samples"][1], top, key=widget("samples"),
                  disabled=locked("samples"))
        st.slider(LABELS["noise"], 0.0, 1.0, step=0.01, key=widget("noise"), disabled=locked("noise"))
    st.slider(LABELS["test_fraction"], 0.0, 0.5, step=0.05, key=widget("test_fraction"),
              disabled=locked("test_fraction"))
    st.number_input(LABELS["data_seed"], 0, BOUNDS["data_seed"][2], key=widget("data_seed"),
                    disabled=locked("data_seed"), help="Draws the data (and the train/test split)")
    st.file_uploader("Your own data: a CSV with columns x1, x2, label", type=["csv"], key=K.UPLOAD_CSV,
                     on_change=on_csv, help=uploads.CSV_HELP, disabled=locked("dataset"))


def dataset_label(custom):
    def label(name):
        if name == CUSTOM:
            return f"your data ({len(custom[0])} points)"
        return f"{name} (regression)" if name in REGRESSION_DATASETS else name
    return label


def model_widgets():
    ss = st.session_state
    # A regression has one input x, and the features are built from the plane's (x1, x2): none there
    # (Config.validated drops them too).
    one_input = ss.get(widget("dataset")) in REGRESSION_DATASETS
    if one_input:
        ss[widget("features")] = []
    st.pills(f"{LABELS['features']} (besides x1, x2)", list(FEATURES), selection_mode="multi", key=widget("features"),
             format_func=feature_label, disabled=locked("features") or one_input,
             help="For the 2-D datasets (not sine or abs, whose one input is x). " * one_input +
                  "Computed from each point and fed to the first layer with x1 and x2; the stage draws each "
                  "one's map. With x1² and x2², a network without hidden layers can draw a circle.")
    hidden = locked("hidden")
    st.slider(LABELS["hidden"], 0, MAX_HIDDEN_LAYERS, key=widget("n_hidden"), disabled=hidden)
    for i in range(ss[widget("n_hidden")]):
        a, b = st.columns(2)
        a.number_input(f"Layer {i + 1} neurons", 1, MAX_NEURONS, key=widget(f"neurons{i}"), disabled=hidden)
        b.selectbox(f"Layer {i + 1} activation", HIDDEN_ACTIVATIONS, key=widget(f"act{i}"), disabled=hidden)
    if ss[widget("dataset")] in REGRESSION_DATASETS:  # the dataset decides the task (Config.validated)
        outputs = ("linear",)
    else:
        outputs = CLASSIFIER_OUTPUTS if ss[widget("classes")] == 2 else ("softmax",)
    if ss[widget("output")] not in outputs:
        ss[widget("output")] = outputs[0]
    st.selectbox(LABELS["output"], outputs, key=widget("output"), disabled=locked("output"),
                 format_func={"softmax": "softmax + categorical cross-entropy",
                              "sigmoid": "sigmoid + binary cross-entropy",
                              "linear": "linear + mean squared error"}.get)
    a, b = st.columns(2)
    a.number_input(LABELS["l1"], 0.0, 1.0, step=1e-4, format="%.5f", key=widget("l1"), disabled=locked("l1"))
    b.number_input(LABELS["l2"], 0.0, 1.0, step=1e-4, format="%.5f", key=widget("l2"), disabled=locked("l2"))
    st.number_input(LABELS["weight_seed"], 0, BOUNDS["weight_seed"][2], key=widget("weight_seed"),
                    disabled=locked("weight_seed"))
    st.selectbox(LABELS["init"], BOUNDS["init"], key=widget("init"), disabled=locked("init"),
                 format_func=INIT_LABELS.get,
                 help="How the first weights are drawn (from the weight seed; biases start at 0). The book: "
                      "0.01 × N(0, 1). Zeros: every neuron of a layer gets the same gradient and stays alike. "
                      "Xavier: N(0, 1) × √(2 / (inputs + neurons)). He: N(0, 1) × √(2 / inputs), made for ReLU.")
    st.slider(f"{LABELS['dropout']} after each hidden layer", *BOUNDS["dropout"][1:], step=0.05, key=widget("dropout"),
              disabled=locked("dropout"),
              help="The book's chapter 15 layer: each step zeroes this share of a hidden layer's outputs at "
                   "random and scales the rest up to match. Active while training; off for the accuracy, "
                   "the decision boundary and the test loss.")


def feature_label(name):
    return FEATURES[name][0]


INIT_LABELS = {"book": "book: 0.01 × N(0, 1)", "book17": "book, chapter 17: 0.1 × N(0, 1)", "zeros": "zeros",
               "xavier": "Xavier (Glorot normal)", "he": "He normal"}


def optimizer_name(name):
    return nncore.OPTIMIZERS[name].__name__


def training_widgets():
    st.selectbox(LABELS["optimizer"], list(nncore.OPTIMIZERS), format_func=optimizer_name, key=widget("optimizer"),
                 disabled=locked("optimizer"))
    st.number_input(LABELS["learning_rate"], 0.0, 1e6, step=0.001, format="%.5g", key=widget("learning_rate"),
                    disabled=locked("learning_rate"))
    st.number_input(LABELS["decay"], 0.0, 1.0, step=1e-7, format="%.3g", key=widget("decay"), disabled=locked("decay"))
    opt = st.session_state[widget("optimizer")]
    if opt == "sgd":
        st.number_input(LABELS["momentum"], 0.0, 0.999, step=0.05, key=widget("momentum"), disabled=locked("momentum"))
    if opt in ("adagrad", "rmsprop", "adam"):
        st.number_input(LABELS["epsilon"], 1e-12, 1.0, step=1e-7, format="%.1e", key=widget("epsilon"),
                        disabled=locked("epsilon"))
    if opt == "rmsprop":
        st.number_input(LABELS["rho"], 0.0, 0.9999, step=0.01, format="%.4f", key=widget("rho"), disabled=locked("rho"))
    if opt == "adam":
        st.number_input(LABELS["beta_1"], 0.0, 0.9999, step=0.01, format="%.4f", key=widget("beta_1"),
                        disabled=locked("beta_1"))
        st.number_input(LABELS["beta_2"], 0.0, 0.99999, step=0.001, format="%.5f", key=widget("beta_2"),
                        disabled=locked("beta_2"))
    st.number_input(f"{LABELS['batch_size']} (0 = full batch)", 0, BOUNDS["batch_size"][2], key=widget("batch_size"),
                    disabled=locked("batch_size"))


def on_frozen():
    run = current_run()
    error = run.set_frozen(st.session_state[K.FROZEN])
    if error:
        run.notify("warning", error)


def frozen_widget(run):
    # The trainer's own choice (a rebuilt network has none frozen; a rewind keeps the one on screen).
    st.session_state[K.FROZEN] = run.frozen
    st.multiselect("Frozen layers", run.trainer.layer_names, key=K.FROZEN, on_change=on_frozen,
                   placeholder="None: every layer learns",
                   help="From the iteration on screen, the next steps leave these layers' weights and biases "
                        "unchanged; their gradients are still computed and shown. Not part of a share link.")


def save_load_share(run, cfg):
    not_in_link = cfg.dataset == CUSTOM or run.uploaded_weights
    st.caption("Share link: the same data, model, settings and seeds; the same run, bit for bit"
               + (" (your own data and uploaded weights are not in a link)" if not_in_link else ""))
    st.code(share_link(cfg, st.context.url, presentation()), language=None, wrap_lines=True)
    if challenges.active(run.state) is not None:
        share_challenge(cfg)
    # A download's file is made when clicked, on a server thread outside this session's script run:
    # its callable holds what it needs (here the trainer; the weights, which depend on the iteration on
    # view, are offered under the live view, which is redrawn whenever the view moves).
    tr = run.trainer
    st.caption("The weights of the iteration on screen: **Save weights**, under the live view.")
    download("Training history (.csv)", lambda: export.history_csv(tr.history()),
             file_name="history.csv", mime="text/csv", width="stretch",
             help=f"A row per iteration for the latest {tr.max_rows // 2:,} trained; older ones thinned "
                  "evenly (memory stays bounded however long a run plays)")
    download("Python script of this run", lambda: export.script(cfg, tr.schedule(), tr.iteration,
                                                                   freezes=tr.frozen_schedule()),
             file_name="backprop_lab_run.py", mime="text/x-python", width="stretch",
             disabled=not_in_link,
             help="Rebuilds this run with nncore (not available for your own data or uploaded weights)")
    st.file_uploader("Continue from weights (.json or .npz)", type=["json", "npz"], key=K.UPLOAD_WEIGHTS,
                     on_change=on_weights_upload, help="They must fit the current architecture")


def share_challenge(cfg):
    """A teacher's link to the challenge played: students start from these settings, with the ones
    chosen here locked (the challenge's own are locked anyway)."""
    ss = st.session_state
    challenge = challenges.active(ss)
    if K.SHARE_LOCK not in ss:
        ss[K.SHARE_LOCK] = list(challenges.link_locks(ss))
    choices = [f for f in challenges.LOCKABLE if f not in challenge.fixed]
    fixed = ", ".join(LABELS[f] for f in challenge.fixed)
    st.multiselect("Share this challenge, locking", choices, key=K.SHARE_LOCK, placeholder="Nothing more",
                   format_func=LABELS.get,
                   help=f"{challenge.title} always fixes {fixed}; students cannot "
                        "change what the link locks")
    st.code(share_link(cfg, st.context.url, presentation(), challenges.link_query(ss, cfg, ss[K.SHARE_LOCK])),
            language=None, wrap_lines=True)
