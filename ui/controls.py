"""Widgets shared by pages: the lesson transport bar, presentation mode, and downloads."""

import math
import re
import time
from string import Template

import streamlit as st

from nncore import lessons
from ui import figures
from ui.state import K

HELP = {"step": "One iteration: forward, backward, update (key: →)",
        "step10": "Ten iterations (key: Shift+→)",
        "play": "Play or pause (key: Space)",
        "reset": "Back to the start (key: Home)"}


def presentation():
    """Presentation mode: large type and thick lines (on a switch and in the URL, ?present=1)."""
    return bool(st.session_state.get(K.PRESENTATION, False))


# With the sidebar folded, Streamlit's header holds its "open" arrow (top left) and paints a bar over the top
# 3.75rem, where the compact top puts the first row of buttons. The projector cannot spare that height: the
# bar is made see-through and click-through (its buttons still take clicks), and the page moves right, past
# the arrow, instead of down.
PRESENTATION_HEADER_CSS = """<style>
[data-testid="stHeader"] { background: transparent; }
[data-testid="stHeader"], [data-testid="stHeader"] * { pointer-events: none; }
[data-testid="stHeader"] button, [data-testid="stHeader"] button * { pointer-events: auto; }
@media (min-width: 641px) { [data-testid="stMainBlockContainer"] { padding-left: 3.5rem !important; } }
</style>"""


# Press the sidebar's fold button if the sidebar is open; waits up to 3 s for it to be mounted (on load).
FOLD_SIDEBAR_JS = """<script>
(() => {
  let tries = 0;
  const fold = () => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && sidebar.getBoundingClientRect().width === 0) return;  // folded already: leave it to the user
    if (sidebar && button) { button.click(); return; }
    if (++tries < 30) setTimeout(fold, 100);
  };
  fold();
})();
</script>"""


def presentation_toggle():
    """The sidebar switch. Its value is mirrored into a plain key (K.PRESENTATION), which,
    unlike a widget's, survives runs in which the switch is not drawn."""
    ss = st.session_state
    if K.PRESENTATION not in ss:
        ss[K.PRESENTATION] = ss[K.FOLD_SIDEBAR] = st.query_params.get("present") == "1"
    ss[K.PRESENT] = ss[K.PRESENTATION]

    def mirror():
        ss[K.PRESENTATION] = ss[K.FOLD_SIDEBAR] = ss[K.PRESENT]

    st.sidebar.toggle("Presentation mode", key=K.PRESENT, on_change=mirror,
                      help="Large type and thick lines for a projector; also ?present=1 in the URL")
    # A 1280x720 projector cannot spare the sidebar's 300 px: presentation mode folds it (its arrow opens it
    # again). Streamlit's frontend applies initial_sidebar_state on load and when the value changes, but a
    # browser in which the sidebar was ever opened or closed by hand keeps that choice (localStorage) over it:
    # so, once, where presentation mode turns on, the sidebar's own fold button is pressed as well. Later runs
    # leave a sidebar opened by hand open.
    st.set_page_config(initial_sidebar_state="collapsed" if ss[K.PRESENTATION] else "auto")
    if ss.pop(K.FOLD_SIDEBAR, False):
        st.sidebar.html(FOLD_SIDEBAR_JS, unsafe_allow_javascript=True)
    if ss[K.PRESENTATION]:
        st.query_params["present"] = "1"
        st.html("<style>html, .stApp { font-size: 20px !important; } .stMarkdown p, .stMarkdown li "
                "{ font-size: 1.25rem !important; } .katex { font-size: 1.45em !important; }</style>"
                + PRESENTATION_HEADER_CSS)
    elif "present" in st.query_params:
        del st.query_params["present"]


# Streamlit's page top (6rem of padding above a 2.75rem title) costs a 720 px projector a quarter of its
# height; the lessons and the playground start with a compact title instead. Transport buttons are a row
# as wide as their labels (see lesson_transport and ui/playground/stage.py); a phone has no keyboard, so
# they show no shortcut hints there. Selectors: data-testid attributes and keyed elements' classes (K.css).
COMPACT_TOP_CSS = Template("""<style>
[data-testid="stMainBlockContainer"] { padding-top: 1.25rem; padding-left: 2rem; padding-right: 2rem; }
[data-testid="stMain"] h1 { font-size: 1.6rem; padding: 0 0 0.4rem; }
$transport button, $lesson button { min-height: 2.2rem; padding-top: 0.2rem;
  padding-bottom: 0.2rem; }
/* Play and Pause (the row's one primary button) are as wide as "Pause  Space": the buttons after it stay put. */
$transport [data-testid="stBaseButton-primary"], $lesson [data-testid="stBaseButton-primary"] { min-width: 6.6em; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.9rem; padding-left: 0.75rem; padding-right: 0.75rem; }
  $transport kbd, $lesson kbd { display: none; }
  $transport [data-testid="stBaseButton-primary"], $lesson [data-testid="stBaseButton-primary"] { min-width: 4em; }
  $transport button, $lesson button { padding-left: 0.8rem; padding-right: 0.8rem; }
}
</style>""").substitute(
    transport=K.css(K.TRANSPORT), lesson=K.css(K.LESSON_TRANSPORT))


def compact_top():
    """Call before a page's title (the lessons and the playground; Home keeps Streamlit's layout)."""
    st.html(COMPACT_TOP_CSS)


# The lessons' numbers are never cut: formulas are broken into lines by the pages, tables wrap their
# text columns and keep each number whole (figures.number_table); a formula or table still too wide for
# a phone scrolls rather than loses its end. The computation graph fills the width, its text scaling with it.
LESSON_CSS = """<style>
.katex-display { overflow-x: auto; overflow-y: hidden; padding: 0.1rem 0; }
.lesson-table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; margin-bottom: 0.5rem; }
.lesson-table th, .lesson-table td { padding: 0.25rem 0.5rem; border-bottom: 1px solid rgba(128,128,128,0.3);
  text-align: left; vertical-align: top; }
.lesson-table td.num { text-align: right; white-space: nowrap; }
.lesson-table-wrap { overflow-x: auto; }
@media (max-width: 640px) {
  .lesson-table { font-size: 0.8rem; }
  .lesson-table th, .lesson-table td { padding: 0.2rem 0.3rem; }
}
</style>"""


def lesson_css():
    st.html(LESSON_CSS)


def transport(key, *, step, play, reset, playing):
    """Step / Step x10 / Play-Pause / Reset: a row of buttons as wide as their labels (one line on a
    projector, wrapping on a phone) in a horizontal container keyed ``key``, returned for more buttons.
    ``step(n)``; ``play(on)``, set rather than toggled: a re-sent click must not undo itself."""
    row = st.container(horizontal=True, gap="small", key=key)
    with row:
        st.button("Step", on_click=step, args=(1,), help=button_help(HELP["step"]), shortcut="Right")
        st.button("Step x10", on_click=step, args=(10,), help=button_help(HELP["step10"]), shortcut="Shift+Right")
        st.button("Pause" if playing else "Play", on_click=play, args=(not playing,),
                  help=button_help(HELP["play"]), shortcut="Space", type="primary")
        st.button("Reset", on_click=reset, help=button_help(HELP["reset"]), shortcut="Home")
    return row


def button_help(text):
    """``help=`` for a button in a transport row: none in presentation mode, where the tooltip of the
    button just clicked (the mouse stays on it) would cover the iteration number under the row."""
    return None if presentation() else text


def download(label, make, **kwargs):
    """``st.download_button`` whose file ``make()`` builds when it is clicked, on a server thread.

    A click must not rerun the page (``on_click="ignore"``): the browser sends the rerun before its request
    for the file, and a rerun that ends first revokes the file's id, so no file comes (Streamlit logs "Deferred
    file ... not found"; tests/browser/test_e2e.py makes the file late to show it)."""
    return st.download_button(label, make, on_click="ignore", **kwargs)


PLAY_SPEEDS = (1, 2, 5, 10, 20, 50)  # iterations per second: 1 to follow the numbers, 20+ to watch the curve
MAX_TICKS = 4  # reruns per second at most while playing (faster ones would interrupt each other on a busy
               # server: a fragment run of the layer takes up to 0.2 s); faster speeds move more per rerun


def play_tick(speed):
    """(seconds between two reruns, iterations per rerun) that play ``speed`` iterations per second
    with at most MAX_TICKS reruns a second."""
    per = -(-int(speed) // MAX_TICKS)
    return per / speed, per


def play_advance(elapsed, speed):
    """Iterations to move after ``elapsed`` seconds of play at ``speed``: what the clock says, so a slow
    rerun does not slow the film, but at most two ticks' worth (a stalled tab does not jump); none while
    less than half a tick has passed (a Step's own rerun, or a timer firing early)."""
    interval, per = play_tick(speed)
    if elapsed < interval / 2:
        return 0
    return max(1, min(round(elapsed * speed), 2 * per))


def lesson_player(it_key, playing_key, n_updates, body, *, slider_key):
    """A lesson's transport (Step / Step x10 / Play-Pause / Reset, a slider 0..``n_updates`` and the
    play speed) and ``body(iteration)``, drawn in one fragment: a Step reruns the fragment only.
    Iteration n is the state after n updates, as in the playground.

    ``it_key`` holds the iteration as a plain value (a widget's value would be dropped when the user
    visits another page); the slider, keyed ``slider_key``, mirrors it, as the speed's does
    K.LESSON_SPEED. Buttons move it in callbacks, which run before the widgets are drawn.
    While playing the fragment reruns itself every tick (``run_every``, which only a full run
    sets: Play, Pause and a new speed rerun the app) and moves by ``play_advance``.
    """
    ss = st.session_state
    clock = time.monotonic
    ss.setdefault(it_key, 0)
    ss.setdefault(playing_key, False)
    ss.setdefault(K.LESSON_SPEED, 2)
    playing, speed = ss[playing_key], ss[K.LESSON_SPEED]
    interval, _ = play_tick(speed)

    def moved():
        ss[K.LESSON_TICK] = clock()  # the move's own rerun is no tick

    def move(by):
        ss[it_key] = max(0, min(n_updates, ss[it_key] + by))
        moved()

    def reset():
        ss[it_key] = 0
        ss[playing_key] = False

    def play(on):  # set, not toggled: a re-sent click must not undo itself
        if on and ss[it_key] >= n_updates:
            ss[it_key] = 0  # Play at the end plays again from the start
        ss[playing_key] = on
        moved()

    def dragged():
        ss[it_key] = ss[slider_key]
        moved()

    def new_speed():
        ss[K.LESSON_SPEED] = ss[K.LESSON_SPEED_WIDGET]

    @st.fragment(run_every=interval if playing else None)
    def view():
        if (ss[playing_key], ss[K.LESSON_SPEED]) != (playing, speed):
            st.rerun()  # the timer belongs to the fragment: only a full run sets or clears it
        if playing:
            last = ss.get(K.LESSON_TICK)
            steps = play_advance(clock() - last, speed) if last is not None else 0
            if last is None or steps:
                ss[K.LESSON_TICK] = clock()
            ss[it_key] = min(n_updates, ss[it_key] + steps)
            if ss[it_key] >= n_updates:
                ss[playing_key] = False  # the next tick finds it changed and clears the timer
        transport(K.LESSON_TRANSPORT, step=move, play=play, reset=reset, playing=ss[playing_key])
        ss[slider_key] = ss[it_key]
        ss[K.LESSON_SPEED_WIDGET] = ss[K.LESSON_SPEED]
        at, pace = st.columns([5, 1], vertical_alignment="bottom")
        at.slider("Iteration (the state after this many updates)", 0, n_updates, key=slider_key,
                  on_change=dragged, help="Drag to any iteration: 0 is the start, before any update")
        pace.select_slider("Play speed", PLAY_SPEEDS, key=K.LESSON_SPEED_WIDGET, on_change=new_speed,
                           format_func=lambda v: f"{v} it/s",
                           help="Iterations per second while playing: 1 to follow the numbers, 20 or 50 to "
                                "watch the loss fall")
        body(ss[it_key])

    view()


def lesson_heading(lesson, iteration, notes_label, predictions, checked_key):
    """The iteration on screen ("Iteration n", the state after n updates, as in the playground), where the
    notes print the same numbers, and the exercise on the next iteration (``predictions``; None: none)."""
    st.subheader(f"Iteration {iteration}")
    st.markdown(notes_label)
    if predictions is not None:
        prediction_panel(lesson, iteration, predictions, checked_key)


def prediction_panel(lesson, iteration, predictions, checked_key):
    """Predict, then reveal: a box per ``predictions`` (nncore.lessons.Prediction, of iteration + 1),
    a Check button, then each answer's verdict with its hint and the notes' number."""
    ss = st.session_state
    with st.expander(f"Exercise: work out iteration {iteration + 1}'s numbers, then Step", expanded=False):
        st.caption("From the numbers on screen (the update's 'after' values are the next iteration's "
                   "parameters), work these out before you press Step. Within 0.1% counts as right.")
        boxes = st.columns(len(predictions))
        answers = [box.text_input(p.name, key=K.prediction(lesson, i, iteration), placeholder="your number")
                   for i, (box, p) in enumerate(zip(boxes, predictions))]
        st.button("Check", key=K.prediction(lesson, "check", iteration),
                  on_click=lambda: ss.__setitem__(checked_key, iteration))
        if ss.get(checked_key) != iteration:
            return
        for p, text in zip(predictions, answers):
            verdict = answer_verdict(p, text)
            st.markdown(f"**{p.name}**: {verdict} The notes' number: `{figures.fmt(p.truth, None)}`")


def answer_verdict(prediction, text):
    """What a typed answer earns: ✓, or ✗ with the hint (nncore.lessons.check), or what was wrong with it."""
    text = (text or "").strip()
    if not text:
        return "no answer."
    try:
        value = float(text)
    except ValueError:
        return f"“{plain(text[:40])}” is not a number (write e.g. -0.0112 or 1.2e-3)."
    if not math.isfinite(value):
        return f"“{plain(text[:40])}” is not a finite number."
    right, hint = lessons.check(prediction, value)
    return f"✓ {hint}" if right else f"✗ {hint}"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text):
    """``text`` escaped so Streamlit's Markdown shows it literally: file names, link values and
    messages quoting an upload are never links, images, LaTeX or icons."""
    return _MARKDOWN.sub(r"\\\1", str(text))
