"""The app's upload policy: limits on top of nncore's CSV parser, said in the user's words."""

import pytest

from ui import uploads


def test_a_csv_within_the_limits_is_read():
    X, y = uploads.read_csv(b"x1,x2,label\n0.5,1,7\n-1,2.5e-1,3\n")
    assert X.tolist() == [[0.5, 1.0], [-1.0, 0.25]] and y.tolist() == [1, 0]


@pytest.mark.parametrize("content, message", [
    (b"x1,x2,label\n" + b"1,2,0\n1,2,1\n" * 1001, "2,002 rows; at most 2,000 are accepted"),
    (b"x1,x2,label\n" + b"1,2,0\n" * 40_000, "the file is 240,012 bytes; at most 200,000 are accepted"),
    (b"x1,x2,label\n1,oops,0\n", "line 2, column x2: 'oops' is not a number"),
])
def test_too_much_or_bad_data_gets_a_clear_message(content, message):
    with pytest.raises(ValueError, match=message):
        uploads.read_csv(content)
