"""iCalendar output: every line at most 75 octets, and unfolding gives back the escaped text."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.notify.calendar import Deadline, escape, fold, render


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_folded_lines_are_short_and_unfold_to_the_original(value: str) -> None:
    line = "SUMMARY:" + escape(value)
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert parts[0] + "".join(part[1:] for part in parts[1:]) == line
    assert all(part.startswith(" ") for part in parts[1:])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_escaped_text_has_no_raw_line_breaks_or_separators(value: str) -> None:
    escaped = escape(value)
    assert "\n" not in escaped and "\r" not in escaped
    unescaped_commas = escaped.replace("\\\\", "").replace("\\,", "").replace("\\;", "")
    assert "," not in unescaped_commas and ";" not in unescaped_commas


def test_all_day_events() -> None:
    body = render(
        "mamori テスト",
        [Deadline(uid="a@mamori", day=date(2026, 12, 31), summary="年末; 点検, 確認")],
    )
    assert "DTSTART;VALUE=DATE:20261231\r\n" in body
    assert "DTEND;VALUE=DATE:20270101\r\n" in body
    assert "SUMMARY:年末\\; 点検\\, 確認\r\n" in body
    assert body.count("BEGIN:VEVENT") == 1
