"""Properties of the row exports, over generated surveys that draw from every registered kind.

Surveys hold catalogue-like and own questions (`eigene.<n>`), information texts, groups, partner
rosters, matrices, "Sonstiges" and conditions; answers come from each kind's `demo_answer`. A kind
added to `KINDS` is generated here without editing this file. For every export (responses, each
group's entries, offers, partners; CSV in both dialects and both variants, and the Python rows the
workbook writes):

* every row has exactly as many cells as its header;
* "Rohdaten" read back through `analysis.reader` (both dialects) gives the answers that went in;
* "lesbar" headers are unique, on one line and never a bare key; cells are plain values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import export, keys
from analysis.dataset import Dataset, ResponseRecord
from analysis.reader import read_dataset
from export_cases import CELL_TYPES, DIALECTS, assert_same_values, csv_rows, entry_groups, records, surveys
from questionnaires.kinds import KINDS, VARIANTS, kind_of
from questionnaires.model import Option, Question

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


@SETTINGS
@given(questions=surveys(), rng=st.randoms(use_true_random=False), count=st.integers(0, 6))
def test_every_row_of_every_export_is_as_long_as_its_header(questions, rng, count):
    responses = records(questions, rng, count)
    for variant in VARIANTS:
        exports = [("antworten", list(export.response_rows(questions, responses, variant)), count)]
        exports += [(g.key, list(export.entry_rows(g, responses, variant)),
                     sum(len(r.values.get(g.key) or ()) for r in responses)) for g in entry_groups(questions)]
        for name, rows, expected in exports:
            assert len(rows) == 1 + expected, name
            assert {len(row) for row in rows} == {len(rows[0])}, (variant, name)
            for row in rows[1:]:
                assert all(isinstance(cell, CELL_TYPES) and not isinstance(cell, bool) for cell in row), row
        for dialect in DIALECTS:
            csvs = [export.responses_csv(questions, responses, dialect, variant),
                    export.offers_csv(questions, responses, dialect, variant),
                    export.partners_csv(questions, responses, dialect, variant)]
            csvs += [export.entries_csv(g, responses, dialect, variant) for g in entry_groups(questions)]
            for chunks in csvs:
                rows = csv_rows(chunks, dialect)
                assert {len(row) for row in rows} == {len(rows[0])}, (variant, dialect)


@SETTINGS
@given(questions=surveys())
def test_readable_headers_are_unique_one_line_texts(questions):
    responses_header = export.response_header(questions, "readable")
    headers = [responses_header] + [export.entries_header(g, "readable") for g in entry_groups(questions)]
    for header in headers:
        assert len({h.casefold() for h in header}) == len(header), header
        assert all(h and "\n" not in h and len(h) <= 110 for h in header), header
    raw_keys = set(export.response_header(questions, "raw")) - set(export.RESPONSE_COLUMNS)
    assert not raw_keys & set(responses_header), "a readable header is a bare key"


@SETTINGS
@given(questions=surveys(), rng=st.randoms(use_true_random=False), count=st.integers(1, 6))
def test_rohdaten_read_back_give_the_answers_that_went_in(tmp_path_factory, questions, rng, count):
    responses = records(questions, rng, count)
    dataset = Dataset(questions=questions, responses=responses, title="Alle Arten 2026")
    for dialect in DIALECTS:
        folder = Path(tmp_path_factory.mktemp(dialect))

        def write(name: str, chunks, folder: Path = folder) -> Path:
            (folder / name).write_bytes(b"".join(chunks))
            return folder / name

        entries = [write(f"eintraege-{n}.csv", export.entries_csv(g, responses, dialect))
                   for n, g in enumerate(entry_groups(questions))]
        back = read_dataset(write("antworten.csv", export.responses_csv(questions, responses, dialect)),
                            write("codebuch.csv", export.codebook_csv(dataset, dialect)), entries=entries)
        assert back.title == dataset.title
        assert back.questions == questions  # conditions too: the codebook's "condition" column
        assert len(back.responses) == len(responses)
        for original, read in zip(responses, back.responses, strict=True):
            assert (read.id, read.status, read.actor, read.organisation) == (
                original.id, original.status, original.actor, original.organisation)
            expected_time = original.submitted_at and original.submitted_at.replace(microsecond=0)
            assert read.submitted_at == expected_time
            assert_same_values(questions, original.values, read.values)


@SETTINGS
@given(questions=surveys(), rng=st.randoms(use_true_random=False))
def test_demo_answers_are_valid_for_their_definition(questions, rng):
    """What the generator feeds the exports is what a respondent could have submitted."""
    for question in questions:
        kind = kind_of(question)
        answer = kind.demo_answer(question, rng)
        raw = kind.to_raw(question, answer.get(question.key), question.key, answer)
        assert raw.clean, (question.kind, answer)
        parsed = kind.parse(question, raw.raw, question.key)
        assert parsed.errors == {}, (question.kind, answer, parsed.errors)
        assert_same_values([question], answer, parsed.values)


def test_every_registered_kind_is_generated():
    seen: set[str] = set()

    @settings(max_examples=3, deadline=None)
    @given(questions=surveys())
    def collect(questions):
        seen.update(q.kind for q in questions)

    collect()
    assert seen == set(KINDS)


def test_a_survey_with_an_info_text_keeps_answers_under_their_own_header():
    info = Question(key="m.hinweis", kind="info", prompt="Bitte lesen")
    choice = Question(key="m.wahl", kind="single_choice", prompt="Wahl?", options=(Option("b", "Zweite"),))
    responses = [ResponseRecord(1, keys.SUBMITTED, None, None, "Org A", {"m.wahl": "b"})]
    rows = csv_rows(export.responses_csv((info, choice), responses), "excel_de")
    assert dict(zip(rows[0], rows[1], strict=True))["m.wahl"] == "b"
    readable = csv_rows(export.responses_csv((info, choice), responses, variant="readable"), "excel_de")
    assert dict(zip(readable[0], readable[1], strict=True))["Wahl?"] == "Zweite"


def test_readable_export_speaks_german_and_rohdaten_keep_codes():
    long_prompt = ("Auf welche Lebensphasen der Präventionskette richtet sich das Netzwerk in erster Linie, "
                   "und welche davon sind Ihnen besonders wichtig?")
    phases = Question(key="netzwerk.lebensphasen", kind="multiple_choice", prompt=long_prompt,
                      options=(Option("kita", "Rund um die Kita"), Option("schule", "Grundschule")), other=True)
    when = dt.datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
    answer = {"netzwerk.lebensphasen": ["kita", "other"], "netzwerk.lebensphasen/other": "Jugend"}
    responses = [ResponseRecord(7, keys.SUBMITTED, when, "a1", "Kita Nord", answer)]
    header, row = csv_rows(export.responses_csv((phases,), responses, "excel_de", "readable"), "excel_de")
    cells = dict(zip(header, row, strict=True))
    assert cells["Abgeschickt am"] == "01.03.2024 11:00" and cells["Status"] == "abgeschickt"
    short = "Auf welche Lebensphasen der Präventionskette richtet sich…"
    assert cells[short] == "Rund um die Kita; Sonstiges"
    assert cells[f"{short} – Sonstiges (Text)"] == "Jugend"
    header, row = csv_rows(export.responses_csv((phases,), responses, "rfc4180"), "rfc4180")
    cells = dict(zip(header, row, strict=True))
    assert cells["submitted_at"] == "2024-03-01T10:00:00Z"
    assert (cells["netzwerk.lebensphasen"], cells["netzwerk.lebensphasen/kita"],
            cells["netzwerk.lebensphasen/schule"], cells["netzwerk.lebensphasen/other_text"]) == (
        "kita|other", "1", "0", "Jugend")
    rows = list(export.response_rows((phases,), responses, "readable"))
    assert rows[1][2] == when  # the workbook gets the aware UTC datetime itself


def test_a_yes_no_value_reads_ja_nein_and_exports_raw_as_0_1():
    question = Question(key="m.ja", kind="short_text", prompt="Ja?")
    kind = kind_of(question)
    assert kind.export_cells(question, True, {}, "readable") == ["ja"]
    assert kind.export_cells(question, False, {}, "raw") == [0]


def test_reading_back_a_lesbar_file_says_to_take_the_rohdaten(tmp_path):
    import pytest

    question = Question(key="m.text", kind="short_text", prompt="Text?")
    responses = [ResponseRecord(1, keys.SUBMITTED, None, None, "Org", {"m.text": "x"})]
    dataset = Dataset(questions=(question,), responses=tuple(responses), title="T")
    (tmp_path / "a.csv").write_bytes(b"".join(export.responses_csv((question,), responses, variant="readable")))
    (tmp_path / "c.csv").write_bytes(b"".join(export.codebook_csv(dataset)))
    with pytest.raises(ValueError, match="Rohdaten"):
        read_dataset(tmp_path / "a.csv", tmp_path / "c.csv")
