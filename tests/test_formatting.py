"""German formatting: the one module every page, chart, export and mail formats through."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from questionnaires import formatting as fmt


def test_numbers_use_decimal_comma_and_dot_grouping():
    assert fmt.number(1234.5) == "1.234,5"
    assert fmt.number(1234) == "1.234"
    assert fmt.number(2.0) == "2"
    assert fmt.number(16.666666666666668) == "16,67"
    assert fmt.number(16.666666666666668, 1) == "16,7"
    assert fmt.number(None) == "–"


def test_years_and_codes_are_not_grouped():
    assert fmt.plain(2007) == "2007"
    assert fmt.plain(2007.1, 1) == "2007,1"


def test_percent_keeps_the_sign_on_the_same_line():
    assert fmt.percent(16.7, 1) == "16,7\u00a0%"
    assert fmt.percent(None) == "–"


def test_changes_carry_a_real_minus_and_plus_minus_zero():
    assert fmt.signed(3.5, 1) == "+3,5"
    assert fmt.signed(-2) == "\u22122"
    assert fmt.signed(0.004, 2) == "±0,00"
    assert fmt.points(12) == "+12\u00a0Pp."


def test_times_are_shown_in_berlin_summer_and_winter():
    assert fmt.datetime(dt.datetime(2024, 7, 1, 10, 0, tzinfo=dt.UTC)) == "01.07.2024 12:00"
    assert fmt.datetime(dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC)) == "02.01.2024 00:30"
    assert fmt.time(dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC)) == "00:30"
    assert fmt.date(dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC)) == "02.01.2024"
    assert fmt.date("2024-03-01") == fmt.datetime(dt.date(2024, 3, 1)) == "01.03.2024"
    assert fmt.long_date(dt.date(2024, 3, 1)) == "1. März 2024"
    assert fmt.long_datetime(dt.datetime(2026, 12, 1, 8, 58, tzinfo=dt.UTC)) == "1. Dezember 2026 um 9:58 Uhr"
    assert fmt.long_datetime(dt.datetime(2026, 7, 1, 22, 5, tzinfo=dt.UTC)) == "2. Juli 2026 um 0:05 Uhr"


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_whole_numbers_read_back_unchanged(n):
    assert int(fmt.number(n).replace(".", "")) == n


@given(st.integers(min_value=0, max_value=10**7))
def test_a_count_takes_the_singular_only_for_one(value):
    text = fmt.counted(value, "Antwort", "Antworten")
    assert text == f"{fmt.number(value)} {'Antwort' if value == 1 else 'Antworten'}"
    assert fmt.counted(1, "Einladung ist", "Einladungen sind") == "1 Einladung ist"


def test_sentence_adds_a_full_stop_only_where_none_ends_the_text():
    assert fmt.sentence("Themen der Netzwerke") == "Themen der Netzwerke."
    assert fmt.sentence("Wie heißt das Netzwerk?") == "Wie heißt das Netzwerk?"
    assert fmt.sentence("Bitte nennen Sie drei Themen.") == "Bitte nennen Sie drei Themen."
    assert fmt.sentence("Jetzt!") == "Jetzt!" and fmt.sentence("") == ""
