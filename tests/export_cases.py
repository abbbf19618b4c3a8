"""Generated surveys and answers for the export property tests (`tests/analysis/test_export_shape.py`
and the database path in `tests/test_export_database.py`): every registered kind, own questions,
groups, rosters, conditions, "Sonstiges"; answers from each kind's `demo_answer`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import replace

from hypothesis import strategies as st

from analysis import keys
from analysis.dataset import ResponseRecord
from questionnaires.conditions import visible
from questionnaires.kinds import KINDS, OTHER, field_name, kind_of
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
        # Not on a districts question: its options become the Kommune's districts in a survey.
        choices = [q for q in questions
                   if q.options and KINDS[q.kind].family == "choice" and not KINDS[q.kind].districts]
        if choices and draw(st.booleans()):
            parent = draw(st.sampled_from(choices))
            picked = draw(st.lists(st.sampled_from(parent.option_codes), min_size=1, unique=True))
            question = replace(question, condition=Condition.one_of(parent.key, tuple(picked)))
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
