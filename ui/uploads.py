"""What the app accepts from an upload, and how it tells the user: the limits are the app's
policy (nncore parses any size)."""

from nncore import datasets

MAX_CSV_BYTES = 200_000
MAX_CSV_ROWS = 2000
CSV_HELP = f"At most {MAX_CSV_ROWS} rows, 2-5 classes"


def read_csv(content):
    """(X, y) of an uploaded CSV, or a ValueError saying what is wrong (for the user)."""
    if len(content) > MAX_CSV_BYTES:
        raise ValueError(f"the file is {len(content):,} bytes; at most {MAX_CSV_BYTES:,} are accepted")
    X, y = datasets.from_csv(content)
    if len(X) > MAX_CSV_ROWS:
        raise ValueError(f"{len(X):,} rows; at most {MAX_CSV_ROWS:,} are accepted")
    return X, y
