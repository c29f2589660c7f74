"""COPY's text format: the four special characters escaped, nothing else touched."""

from common.pgcopy import NULL, copy_text


def test_special_characters_are_escaped_and_others_kept():
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_text("县人民医院 \\N") == "县人民医院 \\\\N"
    assert copy_text("") == ""
    assert NULL == "\\N"
