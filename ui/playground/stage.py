"""The playground's stage: the tour, the transport buttons, the rewind slider, the headline
numbers and the live view."""

import numpy as np
import streamlit as st

from ui.controls import HELP, plain, presentation
from ui.live import encode_probs, live_view
from ui.playground import clip_note, current_run
from ui.playground.sidebar import new_weights
from ui.state import K

TOUR = [
    "**Welcome.** Press **Step** (or the → key): one iteration — forward pass, backward pass, update. "
    "Watch *Iteration N* and the loss change.",
    "Below the live view, open **Gradient inspector**: dL/dW and dL/db of every layer at this iteration, the "
    "gradient the next update uses. **One weight** proves a single gradient against finite differences.",
    "The **decision boundary** (left) shades each region by the network's class probabilities. Press **Play** "
    "(Space) to watch it learn; drag **Rewind** to go back to any iteration.",
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


def on_rewind():
    current_run().rewind(st.session_state[K.REWIND_SLIDER])


def on_reset():
    current_run().reset()


def tour():
    """A short, dismissible first-visit tour (once per session)."""
    ss = st.session_state
    step = ss.setdefault(K.TOUR, 0)
    if step is None or presentation():  # a projector shows the essentials only
        return
    with st.container(border=True):
        st.markdown(f"**Tour {step + 1}/{len(TOUR)}** · " + TOUR[step])
        a, b, _ = st.columns([1, 1, 4])
        if step + 1 < len(TOUR):
            a.button("Next", key=K.TOUR_NEXT, on_click=ss.__setitem__, args=(K.TOUR, step + 1))
        b.button("Got it" if step + 1 == len(TOUR) else "Skip tour", key=K.TOUR_SKIP,
                 on_click=ss.__setitem__, args=(K.TOUR, None))


def draw(pg):
    """Everything above the tabs; returns the snapshot of the iteration on view."""
    tour()
    # Train this batch first, so the buttons below show what is true after it (Play after a divergence).
    frames, grid = pg.next_batch()
    playing = pg.playing
    c = st.columns(5)
    c[0].button("Step", on_click=on_step, args=(1,), help=HELP["step"], shortcut="Right", width="stretch")
    c[1].button("Step x10", on_click=on_step, args=(10,), help=HELP["step10"], shortcut="Shift+Right",
                width="stretch")
    c[2].button("Pause" if playing else "Play", on_click=on_play, args=(not playing,), help=HELP["play"],
                shortcut="Space", type="primary", width="stretch")
    c[3].button("Reset", on_click=on_reset, help=HELP["reset"], shortcut="Home", width="stretch")
    c[4].button("New weights", on_click=new_weights, help="Draw other initial weights (next weight seed)",
                width="stretch")

    trainer = pg.trainer
    if trainer.iteration > 0:
        st.session_state[K.REWIND_SLIDER] = pg.view()
        st.slider("Rewind to iteration", 0, trainer.iteration, key=K.REWIND_SLIDER, on_change=on_rewind,
                  help="Drag to any past iteration; Step or Play continues from there")
    view = pg.view()
    snap = pg.snapshot()

    for kind, text in pg.take_notices():
        (st.warning if kind == "warning" else st.info)(plain(text))
    st.subheader(f"Iteration {view}")
    if playing:
        per_frame, speed = pg.play_plan()[0], pg.config.speed
        st.caption("Playing: computed up to here; the live view below animates toward it."
                   + (f" The server is busy: {per_frame} iterations per frame instead of {speed}."
                      if per_frame < speed else ""))
    rec = snap.record
    test_text = (f" · test loss {rec['test_loss']:.4f}, accuracy {rec['test_accuracy']:.1%}"
                 if np.isfinite(rec["test_loss"]) else "")
    st.markdown(f"loss **{rec['loss']:.4f}** (+ regularisation {rec['regularization_loss']:.4g}) · "
                f"accuracy **{rec['accuracy']:.1%}**{test_text} · learning rate {rec['learning_rate']:.4g}"
                + (f" · viewing the past: iterations {view + 1}–{trainer.iteration} are dropped if you step "
                   "or play from here" if view < trainer.iteration else ""))
    note = clip_note(pg, snap)
    if note and not playing:
        st.caption(note)

    if not frames:
        frames, grid = pg.still(snap)
    show_test = st.toggle("Show test points (hollow)", key=K.SHOW_TEST) if trainer.X_test is not None else False
    live_view(pg.payload(frames, grid, show_test=show_test, presentation=presentation(), encode=encode_probs),
              key=K.LIVE, on_paused_at=on_paused_at, height=560 if presentation() else 430)
    return snap
