"""Challenges: a few built-in tasks on the playground, each with a success test, and the links
that share one with chosen settings locked. No Streamlit here: the functions work on any
mutable mapping (the page passes st.session_state, tests a dict), every value under a key of K.

A challenge starts from a Config and always fixes the settings its test is defined on (its
data; for the learning-rate one, everything but the optimizer's settings). A teacher's link,
``?challenge=<id>&lock=hidden,optimizer``, locks more, at the link's values. A success test is a
pure function of (config, history up to the iteration on view) -> (met, progress with numbers);
the history's last row is the iteration on view.
"""

from dataclasses import dataclass, fields, replace

import numpy as np

from ui.state import Config, K

LOCKABLE = tuple(f.name for f in fields(Config))
MAX_PARAM = 200  # characters of a link parameter read at all
# 90% is out of reach here: nnfs's spiral has angular noise, and even 64 ReLU neurons score 73-81% on
# held-out points; two tanh layers of 8 reach 80-82% (tests/test_challenges.py).
SPIRAL_GOAL = 0.8
XOR_NEURONS = 2   # the fewest that can: one neuron draws one line, XOR needs two
# SGD on this net: 0.01-2 stall at 0.22-0.69 (0.26 is a straight boundary), 3-6 pass, 8 dies (its ReLUs go dead).
SPEED_LOSS, SPEED_ITERATIONS = 0.1, 300


@dataclass(frozen=True)
class Stage:
    goal: str
    test: object  # (cfg, history) -> (met, progress)


@dataclass(frozen=True)
class Challenge:
    id: str
    title: str
    start: Config   # every setting its tests were measured on spelled out: Config's defaults may change
    fixed: tuple    # settings always locked at start's values: what the test is defined on
    stages: tuple   # met one after the other


# -- what a test reads --------------------------------------------------------------------------
def last(history, column):
    return float(history[column][-1])


def grad_norms(history):
    """(first layer's, output layer's) gradient norm |dL/dW| at the iteration on view."""
    names = [c for c in history if c.startswith("grad_norm.")]
    return last(history, names[0]), last(history, names[-1])


def pct(x):
    return f"{100 * x:.0f}%" if np.isfinite(x) else "n/a"


def test_accuracy(history):
    return last(history, "test_accuracy")


def neurons(cfg):
    return sum(n for n, _ in cfg.hidden)


def architecture_problem(cfg, *, max_layers=None, max_neurons=None, max_total=None, min_layers=None):
    """What breaks the challenge's rules on the architecture, or ""."""
    depth = len(cfg.hidden)
    if max_layers is not None and depth > max_layers:
        return f"{depth} hidden layers: at most {max_layers} allowed"
    if min_layers is not None and depth < min_layers:
        return f"{depth} hidden layer{'s' * (depth != 1)}: keep at least {min_layers}"
    widest = max((n for n, _ in cfg.hidden), default=0)
    if max_neurons is not None and widest > max_neurons:
        return f"a layer of {widest} neurons: at most {max_neurons} per layer"
    if max_total is not None and neurons(cfg) > max_total:
        return f"{neurons(cfg)} hidden neurons: at most {max_total} in all"
    return ""


# -- the success tests ----------------------------------------------------------------------------
def spiral_test(cfg, history):
    problem = architecture_problem(cfg, max_layers=2, max_neurons=8)
    acc = test_accuracy(history)
    if problem:
        return False, f"{problem} (test accuracy {pct(acc)})"
    return acc >= SPIRAL_GOAL, f"test accuracy {pct(acc)} (goal {pct(SPIRAL_GOAL)})"


def ratio_text(first, out):
    return f"|dL/dW| first layer {first:.2g}, output {out:.2g}"


def vanish_test(cfg, history):
    first, out = grad_norms(history)
    if len(cfg.hidden) == 0:
        return False, "no hidden layer: nothing to vanish through"
    met = out > 0 and first <= out / 100
    ratio = f"{out / first:,.0f}x smaller" if first > 0 else "zero"
    return met, f"{ratio_text(first, out)}: {ratio} (goal: 100x)"


def fixed_test(cfg, history):
    first, out = grad_norms(history)
    acc = test_accuracy(history)
    problem = architecture_problem(cfg, min_layers=3)
    if problem:
        return False, problem
    within = out > 0 and first > 0 and 0.1 <= first / out <= 10
    return within and acc >= 0.9, f"{ratio_text(first, out)} (goal: within 10x); test accuracy {pct(acc)} (goal 90%)"


def xor_test(cfg, history):
    problem = architecture_problem(cfg, max_total=XOR_NEURONS)
    acc = test_accuracy(history)
    if problem:
        return False, f"{problem} (test accuracy {pct(acc)})"
    return acc == 1.0, f"{neurons(cfg)} hidden neurons, test accuracy {pct(acc)} (goal 100%)"


def speed_test(cfg, history):
    """Met if the loss went under the goal at an iteration up to the limit, on view or before it."""
    its, loss = history["iteration"], history["loss"]
    under = its[(loss < SPEED_LOSS) & (its <= SPEED_ITERATIONS)]
    if len(under):
        return True, f"loss {loss[its == under[0]][0]:.3g} at iteration {under[0]} (goal < {SPEED_LOSS} by " \
                     f"{SPEED_ITERATIONS})"
    upto = its <= SPEED_ITERATIONS
    best = float(np.min(loss[upto])) if upto.any() else float("nan")
    return False, (f"lowest loss by iteration {min(int(its[-1]), SPEED_ITERATIONS)}: {best:.3g} "
                   f"(goal < {SPEED_LOSS} by {SPEED_ITERATIONS})")


DATA = Config.DATA_FIELDS
CHALLENGES = {c.id: c for c in (
    Challenge(
        "spiral", "Spiral in 16 neurons",
        Config(dataset="spiral", samples=300, classes=3, noise=0.0, test_fraction=0.2, hidden=((8, "relu"),),
               optimizer="adam", learning_rate=0.01, stop_at=5000),
        DATA,
        (Stage(f"Spiral, 3 classes: test accuracy at least {pct(SPIRAL_GOAL)} with at most 2 hidden layers of "
               "at most 8 neurons.", spiral_test),)),
    Challenge(
        "vanishing", "Vanishing gradients",
        Config(dataset="moons", samples=100, classes=2, noise=0.1, test_fraction=0.2, hidden=((8, "sigmoid"),),
               optimizer="sgd", learning_rate=0.5, momentum=0.0, stop_at=2000),
        DATA,
        (Stage("Make the gradients vanish: the first layer's |dL/dW| at least 100x smaller than the output "
               "layer's.", vanish_test),
         Stage("Now fix it, keeping at least 3 hidden layers: the first layer's |dL/dW| within 10x of the "
               "output layer's, and test accuracy at least 90%.", fixed_test))),
    Challenge(
        "xor", "XOR with few neurons",
        Config(dataset="xor", samples=100, classes=2, noise=0.1, test_fraction=0.2, hidden=((8, "relu"),),
               optimizer="adam", learning_rate=0.01, stop_at=3000),
        DATA,
        (Stage(f"XOR: 100% test accuracy with at most {XOR_NEURONS} hidden neurons in all.", xor_test),)),
    Challenge(
        "learning-rate", "Find the learning rate",
        Config(dataset="moons", samples=100, classes=2, noise=0.1, test_fraction=0.2, hidden=((16, "relu"),),
               optimizer="sgd", learning_rate=0.01, momentum=0.0, stop_at=300, speed=10),
        DATA + Config.MODEL_FIELDS,
        (Stage(f"Moons with SGD: loss under {SPEED_LOSS} within {SPEED_ITERATIONS} iterations, by changing "
               "only the learning rate, decay and momentum.", speed_test),)),
)}


# -- a session's challenge --------------------------------------------------------------------------
def active(state):
    """The challenge this session plays, or None."""
    return CHALLENGES.get(state.get(K.CHALLENGE))


def locks(state):
    """{setting: value} locked in this session (the challenge's own and a link's)."""
    return state.get(K.LOCKS) or {}


def link_locks(state):
    """The settings a teacher's link locked on top of the challenge's own."""
    return tuple(state.get(K.LINK_LOCKS) or ())


def enforce(state, cfg):
    """``cfg`` with the locked settings at their locked values."""
    return replace(cfg, **locks(state))


def choose(state, challenge_id, cfg=None, extra=()):
    """Play ``challenge_id`` (None: no challenge) from ``cfg`` (default: its start): its own settings
    locked at its start's values, ``extra`` at ``cfg``'s. Returns the config to start from."""
    challenge = CHALLENGES.get(challenge_id)
    state[K.CHALLENGE] = challenge.id if challenge else None
    if challenge is None:
        state[K.LOCKS], state[K.LINK_LOCKS] = {}, ()
        return cfg
    cfg = cfg or challenge.start
    extra = tuple(f for f in LOCKABLE if f in extra and f not in challenge.fixed)
    state[K.LOCKS] = {f: getattr(challenge.start, f) for f in challenge.fixed} | {f: getattr(cfg, f) for f in extra}
    state[K.LINK_LOCKS] = extra
    # Locked together, a link's settings may clash with the challenge's data (a sigmoid output with 3
    # classes): the locks keep what validation makes of them, so they never fight it later.
    cfg = enforce(state, cfg).validated()[0]
    state[K.LOCKS] = {f: getattr(cfg, f) for f in state[K.LOCKS]}
    return cfg


def parse_link(params):
    """(challenge id or None, settings to lock, notes) from a link's query parameters; never raises.
    Only known ids and Config field names pass; anything else is named in a note (as the link wrote it,
    cut short) and dropped."""
    raw_id = str(params.get("challenge", ""))[:MAX_PARAM]
    raw_lock = str(params.get("lock", ""))[:MAX_PARAM]
    notes = []
    if "challenge" in params and raw_id not in CHALLENGES:
        notes.append(f"challenge={raw_id[:40]} is not one of {', '.join(CHALLENGES)}; no challenge")
    cid = raw_id if raw_id in CHALLENGES else None
    asked = [s.strip() for s in raw_lock.split(",") if s.strip()]
    unknown = [s for s in asked if s not in LOCKABLE]
    if asked and cid is None:
        return None, (), notes + ["lock= needs a challenge; nothing is locked"]
    if unknown:
        shown = ", ".join(s[:20] for s in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        notes.append(f"lock: {shown} {'is not a setting' if len(unknown) == 1 else 'are not settings'}; not locked")
    return cid, tuple(f for f in LOCKABLE if f in asked), notes


def from_link(state, params):
    """(the config a link asks for, notes), and the challenge it asks for started (if any): its settings
    over the challenge's start (a link names only what differs from it), the challenge's own settings
    winning over the link's, with a note saying so."""
    cid, lock, notes = parse_link(params)
    start = CHALLENGES[cid].start if cid else None
    cfg, more = Config.from_query(params, base=start)
    notes = more + notes
    if cid is None:
        choose(state, None)
        return cfg, notes
    overridden = [f for f in CHALLENGES[cid].fixed if f in params and getattr(cfg, f) != getattr(start, f)]
    if overridden:
        notes.append(f"the {cid} challenge fixes {', '.join(overridden)}; using its values")
    return choose(state, cid, cfg, lock), notes


def link_query(state, cfg, lock):
    """The query parameters of a link to this session's challenge with ``lock`` locked, from ``cfg``."""
    challenge = active(state)
    if challenge is None:
        return cfg.to_query()
    query = cfg.to_query(base=challenge.start)
    query["challenge"] = challenge.id
    extra = [f for f in LOCKABLE if f in lock and f not in challenge.fixed]
    if extra:
        query["lock"] = ",".join(extra)
    return query


@dataclass(frozen=True)
class Progress:
    challenge: Challenge
    stage: int        # the stage on view (the first not met, or the last)
    met: bool         # that stage met, now or earlier in the session
    done: bool        # every stage met
    text: str         # the numbers at the iteration on view ("" if not checked)
    new: bool         # met just now, for the first time


def met_stages(state):
    return state.get(K.CHALLENGES_MET) or set()


def check(state, cfg, history):
    """Evaluate the active challenge's current stage on ``history`` (up to the iteration on view) and
    remember what is met. None without a challenge; ``history`` None: not checked (while playing)."""
    challenge = active(state)
    if challenge is None:
        return None
    met = set(met_stages(state))
    stage = next((i for i in range(len(challenge.stages)) if (challenge.id, i) not in met),
                 len(challenge.stages) - 1)
    done_before = (challenge.id, stage) in met
    if history is None:
        return Progress(challenge, stage, done_before, done_before and stage == len(challenge.stages) - 1, "",
                        False)
    wrong = [f for f in challenge.fixed if getattr(cfg, f) != getattr(challenge.start, f)]
    if wrong:
        ok, text = False, f"this challenge needs {', '.join(f'{f}={getattr(challenge.start, f)}' for f in wrong)}"
    else:
        ok, text = challenge.stages[stage].test(cfg, history)
    new = ok and not done_before
    if new:
        met.add((challenge.id, stage))
        state[K.CHALLENGES_MET] = met
    all_met = all((challenge.id, i) in met for i in range(len(challenge.stages)))
    return Progress(challenge, stage, ok or done_before, all_met, text, new)

