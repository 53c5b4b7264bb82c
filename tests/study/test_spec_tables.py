"""The checks every spec table goes through, and the line of a key in the spec's text."""

from __future__ import annotations

import pytest

from trainlab.errors import SpecError
from trainlab.study.spec_tables import SpecLines, TableAt, array_of_tables, only_keys

TEXT = '''name = "x"
description = """
[[question]]
margin = 3
"""
[grid]
"optim.lr" = [0.1]

[[question]]
text = "q"
a = { lr = "0.1" }
"margin" = 0

[[question]]
text = "q2"
[question.a]
lr = "0.1"
margin = 1
[question.b]
lr = "0.1"

[report]
margin = 2
[[ question ]]  # spaces inside
text = "q3"
'''


@pytest.mark.parametrize(
    ("index", "key", "line"),
    [
        (0, "margin", 12),  # quoted key; the [[question]] inside a string is no table
        (0, "a", 11),
        (0, None, 9),
        (1, "a", 16),  # its own [question.a] table
        (1, "b", 19),
        (1, "margin", 14),  # set only inside [question.a]: the table's own line
        (2, "text", 25),  # after [report], a third [[question]], spaced and commented
        (2, "margin", 24),  # [report]'s margin is not this table's
        (3, "text", None),  # no fourth table
    ],
)
def test_the_line_of_a_key_in_the_kth_table_of_an_array(index, key, line):
    assert SpecLines(TEXT).of("question", index, key) == line


def test_a_table_written_inline_has_no_line_and_its_errors_name_the_file():
    lines = SpecLines('question = [{ text = "q", margin = 0 }]\n')
    assert lines.of("question", 0, "margin") is None
    at = TableAt("s.toml", "question", 0, lines)
    assert at.key("margin") == "s.toml: question[0].margin"
    assert str(at) == "s.toml: question[0]"
    assert TableAt("s.toml", "question", 0, SpecLines(TEXT)).key("a.lr") == (
        "s.toml:11: question[0].a.lr"
    )


def test_arrays_of_tables_and_their_keys_are_checked():
    with pytest.raises(SpecError, match=r"s: question must be an array of tables \(\[\[question"):
        list(array_of_tables({"text": "q"}, "question", where="s"))
    with pytest.raises(SpecError, match=r"s: question\[1\] must be a table"):
        list(array_of_tables([{}, 3], "question", where="s"))
    with pytest.raises(SpecError, match="s: unknown key 'txt'; allowed: a, text"):
        only_keys({"txt": 1}, ("text", "a"), where="s")
