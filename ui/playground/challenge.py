"""The challenge line above the stage: the goal of the challenge played, its numbers at the iteration
on screen, and a badge once it is met (ui.challenges has the tests)."""

import streamlit as st

from ui import challenges
from ui.controls import presentation
from ui.state import K

PLAYING = "checked at the iteration the stage stops on when you pause"

# A projector has about one line to spare above the stage: there the line keeps the badge and the numbers
# (the goal is the badge's tooltip and the sidebar's) on one line, in smaller type, with no gap under it.
PRESENTATION_CSS = (f"<style>{K.css(K.CHALLENGE_LINE)} .stMarkdown p {{ font-size: 0.9rem !important; "
                    "white-space: nowrap; overflow: hidden; text-overflow: ellipsis; } "
                    f"{K.css(K.CHALLENGE_LINE)} > div {{ min-width: 0; }} "
                    f"{K.css(K.CHALLENGE_LINE)} {{ margin-bottom: -1rem; flex-wrap: nowrap; }}</style>")


def show(pg):
    """One line, drawn only while a challenge is played. Checked only on a still view: while playing
    (or until a Pause's answer arrives) the server trains ahead of the picture the class sees."""
    ss = st.session_state
    if challenges.active(ss) is None:
        return
    still = not pg.playing and not pg.pause_pending
    history = pg.trainer.history(upto=pg.view(), keep=(pg.view(),)) if still else None
    p = challenges.check(ss, pg.config, history)
    c, stages = p.challenge, len(p.challenge.stages)
    if p.new:
        st.toast(f"**Challenge met: {c.title}**" if p.done else
                 f"**Stage {p.stage + 1} of {stages} met.** Next: {c.stages[p.stage + 1].goal}", icon="🏆")
        if not p.done:  # the next stage is checked from now on
            p = challenges.check(ss, pg.config, history)
    goal = c.stages[p.stage]
    step = f"{p.stage + 1}/{stages} · " if stages > 1 else ""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=K.CHALLENGE_LINE):
        if p.done:
            st.badge(f"Met: {c.title}", icon=":material/trophy:", color="green", help=goal.goal)
        else:
            st.badge(f"{step}{c.title}", icon=":material/flag:", color="blue", help=goal.goal)
        now = p.text if still else PLAYING
        st.caption(f"**Now:** {now}" if presentation() else f"{goal.goal} **Now:** {now}", width="stretch")
    if presentation():
        st.html(PRESENTATION_CSS)
