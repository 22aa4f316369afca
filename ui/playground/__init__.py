"""The playground page's parts: the sidebar, the stage (transport and live view), and one
module per tab view. Streamlit glue only: the run itself is ui.run.PlaygroundRun."""

import streamlit as st

from ui import data
from ui.run import PlaygroundRun


def current_run():
    """This session's run, on the datasets every session shares."""
    return PlaygroundRun(st.session_state, dataset=data.dataset)


def clip_note(pg, snap):
    """What the printed loss clips at ``snap`` and what the gradient is there; "" if nothing is clipped."""
    k, n = pg.clipped(snap)
    if not k:
        return ""
    slope = ("taken at the clipped p, as the book does" if pg.config.output == "sigmoid"
             else "that of the unclipped loss −log p, as in the book and PyTorch")
    return (f"The printed loss clips p to [1e-7, 1 − 1e-7] for {k} of the {n} samples of this batch (to stay "
            f"finite); their gradient is {slope}, and so is the numerical check's.")
