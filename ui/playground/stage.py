"""The playground's stage: the tour, the transport buttons, the live stage (network, decision
boundary, loss curve and the one iteration number, drawn in the browser: ui/live) and the rewind
slider."""

from string import Template

import streamlit as st

import nncore.io as nio
from ui import pacing
from ui.controls import button_help, compact_top, download, plain, presentation, transport
from ui.live import encode_floats, live_view
from ui.playground import clip_note, current_run
from ui.playground.sidebar import new_weights
from ui.state import K

# Each step must be true whenever it shows: Next moves on whether or not the student trained (the Rewind
# slider exists only from iteration 1), everything named is on the stage above the tabs, and no key is named
# (a phone has none; the buttons show theirs). One line each on a 1400 px laptop (about 120 characters after
# "Tour n/3 · ").
TOUR = [
    "Press **Step**: one forward pass, backward pass and update. Each small map is one neuron's output.",
    "Edges show **weights** or **gradients** (the switch). Click a neuron to enlarge it, an edge to open its weight "
    "in **One weight**.",
    "Press **Play**: the boundary and the loss curve move as it learns. After a step, **Rewind** goes back to any "
    "iteration.",
]


def on_step(n):
    current_run().step(n)


def on_play(playing):
    """Play or Pause, by what the button said, not a toggle: a click the browser re-sends with
    a frame request that overtakes its run must not undo itself."""
    if playing:
        current_run().play()
    else:
        current_run().pause()


def on_paused_at():
    current_run().paused_at((st.session_state.get(K.LIVE) or {}).get("paused_at"))


def on_pick():
    """An edge clicked in the stage: that weight, in the One weight tab."""
    picked = current_run().picked_weight((st.session_state.get(K.LIVE) or {}).get("pick"))
    if picked is not None:
        ss = st.session_state
        ss[K.WEIGHT_LAYER], ss[K.WEIGHT_I], ss[K.WEIGHT_J] = picked
        ss[K.TAB] = "One weight"


def on_rewind():
    current_run().rewind(st.session_state[K.REWIND_SLIDER])


def on_reset():
    current_run().reset()


def tour():
    """A short, dismissible first-visit tour (once per session): one compact line and two small
    buttons, so it does not push the live view off a laptop's or a phone's first screen."""
    ss = st.session_state
    step = ss.setdefault(K.TOUR, 0)
    if step is None or presentation():  # a projector shows the essentials only
        return
    with st.container(border=True, horizontal=True, vertical_alignment="center", gap="small", key=K.TOUR_BOX):
        st.markdown(f"**Tour {step + 1}/{len(TOUR)}** · " + TOUR[step], width="stretch")
        if step + 1 < len(TOUR):
            st.button("Next", key=K.TOUR_NEXT, on_click=ss.__setitem__, args=(K.TOUR, step + 1))
        st.button("Got it" if step + 1 == len(TOUR) else "Skip tour", key=K.TOUR_SKIP, type="tertiary",
                  on_click=ss.__setitem__, args=(K.TOUR, None))


# Room for the stage: it must fit a 1280x720 projector in presentation mode (with the buttons above
# it), a 1400x1000 laptop with the tour showing, and stack on a phone (ui/live/live.css), where it
# is taller. Selectors: Streamlit's data-testid attributes and the class of keyed elements (K.css).
STAGE_CSS = Template("""<style>
$tour p { font-size: 0.9rem; line-height: 1.35; margin: 0; }
$tour { padding: 0.4rem 0.75rem; }
@media (max-width: 640px) {
  $live { flex: 0 0 1080px !important; }  /* Streamlit sizes it by flex-basis */
  $live, $live .stBidiComponent { height: 1080px !important; }
  $slider { flex: 1 1 100% !important; }  /* the rewind slider gets the phone's width, on a row of its own */
}
/* While playing the slider's thumb would show the server's iteration, ahead of the stage's; Save weights is
   disabled then, and says so to this rule. */
$under:has([data-testid="stPopover"] button:disabled) [data-testid="stSliderThumbValue"] { visibility: hidden; }
</style>""").substitute(tour=K.css(K.TOUR_BOX), live=K.css(K.LIVE), under=K.css(K.UNDER_LIVE),
                                    slider=K.css(K.REWIND_SLIDER))

# The stage's height: in presentation mode what is left of 720 px under the buttons; otherwise what
# is left of a 1000 px laptop screen under the title, the tour and the buttons.
LIVE_HEIGHT = {True: 590, False: 560}


# Presentation mode: the page's title stays for screen readers only (the sidebar's navigation names
# the page): its line goes to the live view.
TITLE_FOR_SCREEN_READERS = """<style>
[data-testid="stMain"] h1 { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
[data-testid="stMain"] [data-testid="stElementContainer"]:has(h1) { position: absolute; }
</style>"""


def layout_css():
    compact_top()
    st.html(STAGE_CSS + (TITLE_FOR_SCREEN_READERS if presentation() else ""))


def busy_note(pg):
    """While playing on a busy server, why the film moves in larger strides, and slower. The iteration, the loss
    and the accuracy are the stage's own (drawn with the frame they describe), never a heading here:
    the server computes up to two batches ahead of the film."""
    per_frame, speed = pg.play_plan()[0], pg.config.speed
    # Play starts at a twentieth of the speed and speeds up while the server keeps up: only a session
    # pushed below that start is short of the server, and only then is it worth saying.
    if pg.busy:
        st.caption(f"Busy server: {per_frame} iteration{'s' if per_frame != 1 else ''} per frame instead of "
                   f"{speed}, {pacing.BUSY_FPS} frames per second instead of {pacing.FPS}.")


def save_weights(trainer, view, playing):
    """The weights of iteration ``view``. A download's file is made when it is clicked, on a server
    thread outside this session's script run: the callables hold the trainer and the view, drawn
    again (inside the fragment) whenever the view moves. Disabled while playing (the server's view is
    ahead of the stage's), not removed: the page below would move up and back on each Play and Pause."""
    tip = button_help("Pause first: while playing, the server is ahead of the stage") if playing else None
    with st.popover("Save weights", disabled=playing, help=tip):
        st.caption(f"The weights and biases of iteration {view}; **Continue from weights** in the sidebar "
                   "loads them again.")
        download("Weights (.json)", lambda: nio.to_json(trainer.snapshot(view).network),
                 file_name=f"weights-{view}.json", mime="application/json", width="stretch")
        download("Weights (.npz)", lambda: nio.to_npz(trainer.snapshot(view).network),
                 file_name=f"weights-{view}.npz", mime="application/octet-stream", width="stretch")


def draw(pg):
    """Everything above the tabs; returns the snapshot of the iteration on view. Top to bottom: the
    tour, the transport buttons, the live stage (which draws the iteration and its numbers); then the
    rewind slider, the test-points switch and the notes, which a class need not see all the time."""
    tour()
    # Train this batch first, so the buttons below show what is true after it (Play after a divergence).
    frames, grid = pg.next_batch()
    playing = pg.playing
    transport(K.TRANSPORT, step=on_step, play=on_play, reset=on_reset, playing=playing).button(
        "New weights", on_click=new_weights, help=button_help("Draw other initial weights (next weight seed)"))

    trainer = pg.trainer
    if trainer.iteration > 0:
        st.session_state[K.REWIND_SLIDER] = pg.view()
    view = pg.view()
    snap = pg.snapshot()

    for kind, text in pg.take_notices():
        if presentation():  # a line above the stage would push its foot (the legend, the axes) off a projector
            st.toast(plain(text), icon="⚠️" if kind == "warning" else None,
                     duration="long" if kind == "warning" else "short")
        else:
            (st.warning if kind == "warning" else st.info)(plain(text))

    phases = False
    if not frames:
        frames, grid, phases = pg.still(snap)
    show_test = bool(st.session_state.get(K.SHOW_TEST)) and trainer.X_test is not None
    live_view(pg.payload(frames, grid, show_test=show_test, presentation=presentation(), encode=encode_floats,
                         phases=phases),
              key=K.LIVE, on_paused_at=on_paused_at, on_pick=on_pick,
              height=LIVE_HEIGHT[presentation()])
    if playing:
        busy_note(pg)  # under the stage: a line above it would move the stage each time the server gets busy

    if trainer.iteration > 0 or trainer.X_test is not None:
        # STAGE_CSS hides the slider's number while playing. (A style-only st.html here went to Streamlit's event
        # container, which a fragment's rerun never clears: the number stayed hidden after Pause. A key of its own
        # while playing made Streamlit show both sliders, old and new, for a moment after each Pause.)
        with st.container(horizontal=True, vertical_alignment="bottom", gap="medium", key=K.UNDER_LIVE):
            if trainer.iteration > 0:
                st.slider("Rewind to iteration", 0, trainer.iteration, key=K.REWIND_SLIDER, on_change=on_rewind,
                          help="Drag to any past iteration; Step or Play continues from there")
            if trainer.X_test is not None:
                st.toggle("Show test points (hollow)", key=K.SHOW_TEST)
            save_weights(trainer, view, playing)
    if view < trainer.iteration:
        st.caption(f"Viewing the past: iterations {view + 1}–{trainer.iteration} are dropped if you step or "
                   "play from here.")
    note = clip_note(pg, snap)
    if note and not playing:
        st.caption(note)
    return snap
