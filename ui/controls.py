"""Widgets shared by pages: the lesson transport bar, and presentation mode."""

import re
from string import Template

import streamlit as st

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
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.9rem; padding-left: 0.75rem; padding-right: 0.75rem; }
  $transport kbd, $lesson kbd { display: none; }
  $transport button, $lesson button { padding-left: 0.8rem; padding-right: 0.8rem; }
}
</style>""").substitute(
    transport=K.css(K.TRANSPORT), lesson=K.css(K.LESSON_TRANSPORT))


def compact_top():
    """Call before a page's title (the lessons and the playground; Home keeps Streamlit's layout)."""
    st.html(COMPACT_TOP_CSS)


def transport(key, *, step, play, reset, playing):
    """Step / Step x10 / Play-Pause / Reset: a row of buttons as wide as their labels (one line on a
    projector, wrapping on a phone) in a horizontal container keyed ``key``, returned for more buttons.
    ``step(n)``; ``play(on)``, set rather than toggled: a re-sent click must not undo itself."""
    row = st.container(horizontal=True, gap="small", key=key)
    with row:
        st.button("Step", on_click=step, args=(1,), help=HELP["step"], shortcut="Right")
        st.button("Step x10", on_click=step, args=(10,), help=HELP["step10"], shortcut="Shift+Right")
        st.button("Pause" if playing else "Play", on_click=play, args=(not playing,), help=HELP["play"],
                  shortcut="Space", type="primary")
        st.button("Reset", on_click=reset, help=HELP["reset"], shortcut="Home")
    return row


def lesson_transport(it_key, playing_key, n_iterations, *, slider_key):
    """Step / Step x10 / Play-Pause / Reset and a slider 1..n; returns the chosen iteration.

    ``it_key`` holds the iteration as a plain value (a widget's value would be dropped when
    the user visits another page); the slider, keyed ``slider_key``, mirrors it. The
    buttons move it in callbacks, which run before the widgets are drawn.
    """
    ss = st.session_state
    ss.setdefault(it_key, 1)
    ss.setdefault(playing_key, False)

    def move(by):
        ss[it_key] = max(1, min(n_iterations, ss[it_key] + by))

    def reset():
        ss[it_key] = 1
        ss[playing_key] = False

    def play(on):  # set, not toggled: a re-sent click must not undo itself
        ss[playing_key] = on

    def dragged():
        ss[it_key] = ss[slider_key]

    transport(K.LESSON_TRANSPORT, step=move, play=play, reset=reset, playing=ss[playing_key])
    ss[slider_key] = ss[it_key]
    st.slider("Iteration", 1, n_iterations, key=slider_key, on_change=dragged, help="Drag to any iteration")
    return st.session_state[it_key]


def lesson_autoplay(it_key, playing_key, n_iterations, interval=0.4):
    """While playing, advance one iteration per ``interval`` seconds (a timed fragment)."""
    if not st.session_state.get(playing_key):
        return

    # The full run disarms; the fragment's own timed reruns advance and redraw the page.
    st.session_state[K.LESSON_TICK] = False

    @st.fragment(run_every=interval)
    def tick():
        if not st.session_state[K.LESSON_TICK]:
            st.session_state[K.LESSON_TICK] = True
            return
        if st.session_state[it_key] >= n_iterations:
            st.session_state[playing_key] = False
        else:
            st.session_state[it_key] += 1
        st.rerun()

    tick()


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text):
    """``text`` escaped so Streamlit's Markdown shows it literally: file names, link values and
    messages quoting an upload are never links, images, LaTeX or icons."""
    return _MARKDOWN.sub(r"\\\1", str(text))
