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

import csv
import datetime as dt
import io
import random
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import export, keys
from analysis.dataset import Dataset, ResponseRecord
from analysis.reader import read_dataset
from questionnaires.conditions import visible
from questionnaires.kinds import KINDS, OTHER, VARIANTS, field_name, kind_of
from questionnaires.model import Condition, Option, Question

DIALECTS = {"excel_de": ";", "rfc4180": ","}
ENTRY_FAMILY, INFO_FAMILY = "entries", "info"
PROMPTS = ("Wie viele?", "Seit wann gibt es Ihre Einrichtung?", "Name", "Wie viele?",
           "Mit welchen Einrichtungen arbeiten Sie in der Präventionskette regelmäßig und verbindlich "
           "zusammen, auch über die Grenzen des Stadtteils hinweg?", "Kommentar; mit \"Zeichen\", =Formel")
LABELS = ("Kita", "Schule", "Jugendhilfe", "Gesundheit und Gesundheitsförderung, Frühe Hilfen", "Sport", "Kita")
CELL_TYPES = (str, int, float, dt.datetime, dt.date, type(None))


def codes(draw, prefix: str, count: int) -> tuple[Option, ...]:
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=count, max_size=count))
    return tuple(Option(f"{prefix}{n}", label) for n, label in enumerate(labels))


@st.composite
def question_of(draw, kind: str, key: str, nested: bool = False) -> Question:
    """A valid definition of `kind` (checked by the kind itself)."""
    registry = KINDS[kind]
    fields: tuple[Question, ...] = ()
    if registry.family == ENTRY_FAMILY:
        field_kinds = draw(st.lists(st.sampled_from(plain_kinds()), min_size=1, max_size=4))
        fields = tuple(draw(question_of(k, f"{key}.f{n}", nested=True)) for n, k in enumerate(field_kinds))
    integer = draw(st.booleans())
    low = draw(st.none() | st.integers(-100, 100))
    question = Question(
        key=key, kind=kind, prompt=draw(st.sampled_from(PROMPTS)),
        options=codes(draw, "o", draw(st.integers(1, 4))), items=codes(draw, "z", draw(st.integers(1, 3))),
        other=draw(st.booleans()), integer=integer, minimum=low,
        maximum=None if low is None else low + draw(st.integers(0, 500)),
        max_entries=draw(st.integers(1, 4)), fields=fields,
    )
    if registry.check_definition(question):  # bounds that do not fit the kind (a year's are years)
        question = replace(question, minimum=None, maximum=None)
    assert registry.check_definition(question) == [], (kind, registry.check_definition(question))
    return question


def plain_kinds() -> list[str]:
    """Kinds a group field may have: everything but groups and information texts."""
    return sorted(name for name, kind in KINDS.items() if kind.family not in (ENTRY_FAMILY, INFO_FAMILY))


@st.composite
def surveys(draw) -> tuple[Question, ...]:
    """Every registered kind at least once (shuffled, some twice), catalogue and own keys, with
    conditions on earlier choice questions; the first group is the offers, the first roster the
    partners question."""
    kinds = sorted(KINDS) + draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=4))
    kinds = draw(st.permutations(kinds))
    questions: list[Question] = []
    special = {}
    for n, kind in enumerate(kinds):
        key = f"eigene.{n + 1}" if draw(st.booleans()) else f"modul{n % 3}.frage{n}"
        if KINDS[kind].family == ENTRY_FAMILY and kind not in special:
            special[kind] = key = keys.OFFERS if not special else keys.PARTNERS
        question = draw(question_of(kind, key))
        choices = [q for q in questions if q.options and KINDS[q.kind].family == "choice"]
        if choices and draw(st.booleans()):
            parent = draw(st.sampled_from(choices))
            picked = draw(st.lists(st.sampled_from(parent.option_codes), min_size=1, unique=True))
            question = replace(question, condition=Condition(parent.key, tuple(picked)))
        questions.append(question)
    return tuple(questions)


def answers(questions: tuple[Question, ...], rng: random.Random) -> dict:
    """Answers valid for the definitions; questions hidden by a condition are not answered."""
    values: dict = {}
    for question in questions:
        values.update(kind_of(question).demo_answer(question, rng))
    shown = {q.key for q in visible(questions, values)}
    return {k: v for k, v in values.items() if k.split("/", 1)[0] in shown}


def records(questions: tuple[Question, ...], rng: random.Random, count: int) -> tuple[ResponseRecord, ...]:
    result = []
    for n in range(count):
        submitted = rng.random() < 0.7
        moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(30_000_000),
                                                                        microseconds=rng.randrange(10**6))
        result.append(ResponseRecord(
            id=n + 1, status=keys.SUBMITTED if submitted else keys.IN_PROGRESS,
            submitted_at=moment if submitted else None, actor=rng.choice((None, "a1", "a2")),
            organisation=rng.choice(("Kita Sonnenschein", "=Einrichtung; \"Süd\"", "Verein, e. V.")),
            values=answers(questions, rng) if rng.random() < 0.9 else {},
        ))
    return tuple(result)


def entry_groups(questions) -> list[Question]:
    return [q for q in questions if kind_of(q).family == ENTRY_FAMILY]


def csv_rows(chunks, dialect: str) -> list[list[str]]:
    text = b"".join(chunks).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=DIALECTS[dialect]))


def same_answer(question: Question, left, right) -> bool:
    """Equal answers; an empty answer equals any other empty one (None, "", [], {})."""
    kind = kind_of(question)
    if kind.is_empty(left) or kind.is_empty(right):
        return kind.is_empty(left) and kind.is_empty(right)
    if kind.family != ENTRY_FAMILY:
        return left == right
    return len(left) == len(right) and all(same_entry(question, a, b) for a, b in zip(left, right, strict=True))


def same_entry(group: Question, left: dict, right: dict) -> bool:
    own = {k for k in left if k not in {field_name(sub) for sub in group.fields} and "/" not in k}
    return all((left.get(k) or "") == (right.get(k) or "") for k in own) and all(
        same_answer(sub, left.get(field_name(sub)), right.get(field_name(sub)))
        and (left.get(f"{field_name(sub)}/{OTHER}") or None) == (right.get(f"{field_name(sub)}/{OTHER}") or None)
        for sub in group.fields
    )


def assert_same_values(questions, original: dict, back: dict) -> None:
    for question in questions:
        assert same_answer(question, original.get(question.key), back.get(question.key)), (
            question.kind, question.key, original.get(question.key), back.get(question.key))
        if question.other and kind_of(question).family == "choice":
            other = f"{question.key}/{OTHER}"
            assert (original.get(other) or None) == (back.get(other) or None), (question.kind, other)


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
    raw_keys = {c for c in export.response_header(questions, "raw")} - set(export.RESPONSE_COLUMNS)
    assert not raw_keys & set(responses_header), "a readable header is a bare key"


@SETTINGS
@given(questions=surveys(), rng=st.randoms(use_true_random=False), count=st.integers(1, 6))
def test_rohdaten_read_back_give_the_answers_that_went_in(tmp_path_factory, questions, rng, count):
    responses = records(questions, rng, count)
    dataset = Dataset(questions=questions, responses=responses, title="Alle Arten 2026")
    for dialect in DIALECTS:
        folder = Path(tmp_path_factory.mktemp(dialect))

        def write(name: str, chunks) -> Path:
            (folder / name).write_bytes(b"".join(chunks))
            return folder / name

        entries = [write(f"eintraege-{n}.csv", export.entries_csv(g, responses, dialect))
                   for n, g in enumerate(entry_groups(questions))]
        back = read_dataset(write("antworten.csv", export.responses_csv(questions, responses, dialect)),
                            write("codebuch.csv", export.codebook_csv(dataset, dialect)), entries=entries)
        assert back.title == dataset.title
        assert back.questions == tuple(replace(q, condition=None, fields=tuple(
            replace(f, condition=None) for f in q.fields)) for q in questions)
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
