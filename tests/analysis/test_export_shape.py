"""Every row of every row-level export has exactly as many cells as its header, for every kind.

The cases are generated from the kinds registry: a kind added to `KINDS` without a sample answer
here fails `test_every_registered_kind_has_a_sample_answer`, so it cannot slip past this check.
"""

from __future__ import annotations

import csv
import io
import itertools

import openpyxl
import pytest

from analysis import export
from analysis.dataset import Dataset, ResponseRecord
from questionnaires.kinds import KINDS
from questionnaires.model import Option, Question

OPTIONS = (Option("a", "Erste"), Option("b", "Zweite"), Option("c", "Dritte"))
ITEMS = (Option("x", "Zeile X"), Option("y", "Zeile Y"))

# A typed sample answer per kind (see the table in questionnaires/kinds.py).
SAMPLES = {
    "single_choice": "b",
    "likert": "a",
    "multiple_choice": ["a", "c"],
    "short_text": "Elterncafé",
    "long_text": "Zwei\nZeilen",
    "number": 12,
    "year": 2015,
    "date": "2024-03-01",
    "matrix": {"x": "a"},
    "list": ["eins", "zwei"],
    "district": ["a"],
    "group": [{"name": "Kurs", "phasen": ["a"]}],
    "partner_roster": [{"actor": "", "name": "Kita Nord", "phasen": ["b"]}],
    "info": None,
}


def question_of(kind: str, key: str, other: bool = False) -> Question:
    fields: tuple[Question, ...] = ()
    if kind in ("group", "partner_roster"):
        fields = (
            Question(key=f"{key}.name", kind="short_text", prompt="Name"),
            Question(key=f"{key}.phasen", kind="multiple_choice", prompt="Phasen", options=OPTIONS),
        )
    return Question(
        key=key, kind=kind, prompt=f"Frage {key}?", options=OPTIONS, items=ITEMS,
        other=other and kind in ("single_choice", "multiple_choice"), max_entries=3, fields=fields,
    )


def survey_of_every_kind() -> tuple[Question, ...]:
    questions = []
    for n, (kind, other) in enumerate(itertools.product(sorted(KINDS), (False, True))):
        questions.append(question_of(kind, f"m.q{n}", other))
    return tuple(questions)


def responses(questions: tuple[Question, ...]) -> list[ResponseRecord]:
    full = {q.key: SAMPLES[q.kind] for q in questions}
    full.update({f"{q.key}/other": "Sonstiges Wort" for q in questions if q.other})
    return [
        ResponseRecord(1, "submitted", None, None, "Org A", full),
        ResponseRecord(2, "in_progress", None, None, "Org B", {}),
        ResponseRecord(3, "submitted", None, None, "Org C", {q.key: None for q in questions}),
    ]


def test_every_registered_kind_has_a_sample_answer():
    assert set(SAMPLES) == set(KINDS)


def csv_rows(chunks, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize(("dialect", "delimiter"), [("excel_de", ";"), ("rfc4180", ",")])
def test_csv_rows_are_as_long_as_their_header(dialect, delimiter):
    questions = survey_of_every_kind()
    rows = csv_rows(export.responses_csv(questions, responses(questions), dialect), delimiter)
    assert len(rows) == 4
    assert {len(row) for row in rows} == {len(rows[0])}
    for group in (q for q in questions if KINDS[q.kind].name in ("group", "partner_roster")):
        entries = csv_rows(export.entries_csv(group, responses(questions), dialect), delimiter)
        assert len(entries) == 2
        assert {len(row) for row in entries} == {len(entries[0])}


def test_a_survey_with_an_info_text_keeps_answers_under_their_own_header():
    questions = (question_of("info", "m.hinweis"), question_of("single_choice", "m.wahl"))
    rows = csv_rows(export.responses_csv(questions, responses(questions)), ";")
    assert dict(zip(rows[0], rows[1], strict=True))["m.wahl"] == "b"


def test_xlsx_rows_are_as_long_as_their_header():
    questions = survey_of_every_kind()
    dataset = Dataset(questions=questions, responses=tuple(responses(questions)), title="Alle Arten")
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx(dataset)))
    for sheet in book.worksheets:
        rows = [trimmed(row) for row in sheet.iter_rows(values_only=True)]
        assert max(len(row) for row in rows[1:]) <= len(rows[0]), sheet.title
    answers = [trimmed(row) for row in book["Antworten"].iter_rows(values_only=True)]
    assert len(answers[1]) == len(answers[0])  # the full answer fills its last column


def trimmed(row: tuple) -> tuple:
    """A sheet row without its trailing empty cells (openpyxl pads rows to the widest one)."""
    end = len(row)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return row[:end]
