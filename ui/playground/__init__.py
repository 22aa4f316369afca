"""The playground page's parts: the sidebar, the stage (transport and live view), and one
module per tab view. Streamlit glue only: the run itself is ui.run.PlaygroundRun."""
