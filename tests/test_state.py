"""The playground Config: URL round trip, and hostile links falling back to defaults."""

from hypothesis import given
from hypothesis import strategies as st

from ui.state import BOUNDS, MAX_HIDDEN_LAYERS, MAX_NEURONS, PRESETS, Config, K


def test_default_link_is_empty_and_round_trips():
    assert Config().to_query() == {}
    assert Config.from_query({}) == (Config(), [])


def test_every_preset_round_trips_through_the_url():
    for cfg in PRESETS.values():
        assert Config.from_query(cfg.to_query()) == (cfg, [])


def test_floats_survive_the_url_exactly():
    cfg = Config(learning_rate=0.012345678901234567, l2=1e-7)
    assert Config.from_query(cfg.to_query())[0] == cfg


@given(st.dictionaries(st.sampled_from(sorted(Config().as_dict()) + ["present", "zzz"]),
                       st.text(max_size=60), max_size=12))
def test_any_query_gives_a_valid_bounded_config(query):
    cfg, notes = Config.from_query(query)
    assert cfg.validated() == (cfg, [])
    assert len(cfg.hidden) <= MAX_HIDDEN_LAYERS and all(1 <= n <= MAX_NEURONS for n, _ in cfg.hidden)
    assert cfg.samples <= BOUNDS["samples"][2] and cfg.stop_at <= BOUNDS["stop_at"][2]
    assert all(isinstance(n, str) for n in notes)


def test_hostile_values_are_named_in_the_notes():
    cfg, notes = Config.from_query({"samples": "1e12", "hidden": "128relu-" * 9, "dataset": "../../etc",
                                    "learning_rate": "inf", "optimizer": "__import__('os')"})
    assert cfg == Config()
    text = " ".join(notes)
    for name in ("samples", "hidden", "dataset", "learning_rate", "optimizer"):
        assert name in text


def test_custom_data_never_enters_a_link():
    assert "dataset" not in Config(dataset="custom").to_query()
    cfg, notes = Config.from_query({"dataset": "custom"})
    assert cfg.dataset == Config().dataset and "not part of a link" in notes[0]


def test_sigmoid_needs_two_classes():
    cfg, notes = Config(output="sigmoid", classes=3).validated()
    assert cfg.output == "softmax" and notes


def test_css_hooks_follow_streamlits_class_rule():
    """Streamlit's frontend gives a keyed element the class st-key-<key>, every character outside
    [A-Za-z0-9_-] made "-": the stage's CSS reaches its rows through K.css."""
    assert K.css("pg.headline") == ".st-key-pg-headline"
    assert K.css(" tour.box ") == ".st-key-tour-box"
    assert K.css("a b/c_d-e") == ".st-key-a-b-c_d-e"


def test_notes_quote_values_as_a_link_writes_them():
    """A teacher reads the note against the address bar: "hidden=9999relu", never a Python tuple."""
    _, notes = Config.from_query({"hidden": "9999relu"})
    assert notes == ["hidden=9999relu is not allowed (neurons per layer must be 1-128); using 16relu"]
    _, notes = Config.from_query({"hidden": "8relu-8foo", "samples": "1e12", "noise": "2"})
    assert notes == ["samples=1e12 could not be read; using the default",
                     "noise=2.0 is not allowed (must be between 0.0 and 1.0); using 0.08",
                     "hidden=8relu-8foo is not allowed (activation must be one of relu, sigmoid, tanh, linear); "
                     "using 16relu"]
    assert not any("(" in n.split(" is not allowed")[0] for n in notes)


def test_notes_list_only_the_datasets_a_link_may_name():
    _, (note,) = Config.from_query({"dataset": "mnist"})
    assert note == ("dataset=mnist is not allowed (choose one of spiral, vertical, circles, moons, xor, blobs, "
                    "sine, abs); using circles")


def test_initial_weights_and_dropout_round_trip_and_rebuild_the_run():
    cfg = Config(init="he", dropout=0.25)
    assert cfg.to_query() == {"init": "he", "dropout": "0.25"}  # only what differs from the defaults
    assert Config.from_query(cfg.to_query()) == (cfg, [])
    assert cfg.model_key() != Config().model_key()  # either one redraws the run from iteration 0
    assert Config(dropout=0.1).model_key() != Config().model_key()


def test_hostile_initial_weights_and_dropout_fall_back_with_a_note():
    cfg, notes = Config.from_query({"init": "<script>", "dropout": "2"})
    assert (cfg.init, cfg.dropout) == ("book", 0.0)
    assert notes == ["init=<script> is not allowed (choose one of book, book17, zeros, xavier, he); using book",
                     "dropout=2.0 is not allowed (must be between 0.0 and 0.5); using 0.0"]


def test_features_round_trip_in_canonical_order_and_rebuild_the_run():
    cfg = Config(features=("x1sq", "sinx1"))
    assert cfg.to_query() == {"features": "x1sq-sinx1"}
    assert Config.from_query(cfg.to_query()) == (cfg, [])
    # Any order in a hand-written link reads as the canonical one; "none" turns them off over a base.
    assert Config.from_query({"features": "sinx2-x1x2-x1sq"}) == (Config(features=("x1sq", "x1x2", "sinx2")), [])
    assert Config().to_query(base=cfg) == {"features": "none"}
    assert Config.from_query({"features": "none"}, base=cfg) == (Config(), [])
    assert cfg.model_key() != Config().model_key()  # a change redraws the run from iteration 0


def test_hostile_features_fall_back_with_a_note_naming_them():
    cases = {
        "x3sq": "features=x3sq is not allowed (unknown feature x3sq; choose from x1sq, x2sq, x1x2, sinx1, "
                "sinx2); using none",
        "x1sq-x1sq": "features=x1sq-x1sq is not allowed (x1sq named more than once); using none",
        "x1sq-" * 40: "features=x1sq-x1sq-x1sq-x1sq-x1sq-x1sq is not allowed (at most 5 of x1sq, x2sq, x1x2, "
                      "sinx1, sinx2); using none",
        "x1sq--sinx1": "features=x1sq--sinx1 is not allowed (unknown feature \"\"; choose from x1sq, x2sq, x1x2, "
                       "sinx1, sinx2); using none",
    }
    for raw, note in cases.items():
        cfg, notes = Config.from_query({"features": raw})
        assert (cfg.features, notes) == ((), [note])
    # In Python, not only from a link: a bare string is not a list of names.
    assert Config(features="x1sq").validated()[0].features == ()


def test_regression_links_round_trip_and_keep_the_output_linear():
    cfg = Config(dataset="sine", output="linear", samples=300, noise=0.1)
    assert cfg.regression and (cfg.n_inputs, cfg.n_outputs) == (1, 1)
    assert cfg.to_query() == {"dataset": "sine", "samples": "300", "noise": "0.1", "output": "linear"}
    assert Config.from_query(cfg.to_query()) == (cfg, [])
    assert Config.from_query({"dataset": "abs", "output": "linear"}) == (Config(dataset="abs", output="linear"), [])


def test_a_regression_dataset_with_a_classifier_output_gets_linear_and_a_note():
    cfg, notes = Config.from_query({"dataset": "sine", "output": "sigmoid", "classes": "4"})
    assert (cfg.dataset, cfg.output) == ("sine", "linear")
    assert notes == ["sine is a regression dataset (x -> y): its output is linear with mean squared error, "
                     "not sigmoid; using linear"]
    cfg, notes = Config.from_query({"dataset": "abs"})  # the output left at its default: no note
    assert cfg.output == "linear" and notes == []


def test_a_linear_output_on_classification_data_gets_softmax_and_a_note():
    cfg, notes = Config.from_query({"dataset": "moons", "output": "linear", "classes": "2"})
    assert cfg.output == "softmax" and cfg.n_inputs == 2 and cfg.n_outputs == 2
    assert notes == ["a linear output (regression) needs a regression dataset (sine, abs), not moons; using softmax"]
    cfg, notes = Config.from_query({"dataset": "sine%00", "output": "linear"})
    assert (cfg.dataset, cfg.output) == ("circles", "softmax") and "dataset=sine%00" in notes[0]


def test_a_regression_dataset_drops_input_features_with_a_note():
    cfg, notes = Config.from_query({"dataset": "sine", "output": "linear", "features": "x1sq-sinx1"})
    assert (cfg.dataset, cfg.features) == ("sine", ())
    assert notes == ["input features are built from the plane's (x1, x2); sine has one input x, so "
                     "features=x1sq-sinx1 is not used"]


def test_samples_go_to_1000_for_a_regression_and_500_per_class_for_classification():
    assert Config.from_query({"dataset": "sine", "output": "linear", "samples": "1000"}) == (
        Config(dataset="sine", output="linear", samples=1000), [])
    cfg, notes = Config.from_query({"dataset": "moons", "classes": "2", "samples": "800"})
    assert cfg.samples == 500 and notes == ["samples=800 per class is too many for classification (at most 500); "
                                            "using 500"]
    cfg, notes = Config.from_query({"samples": "1001"})
    assert cfg.samples == Config().samples and "must be between 5 and 1000" in notes[0]
