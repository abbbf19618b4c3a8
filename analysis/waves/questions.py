"""Comparing the answers to each question across waves.

Percentages are shares of the respondents who answered the question in that wave (as in
`statistics`); a change is given in percentage points (pp) between consecutive waves and from
the first to the last wave. An option that a wave did not offer has no value there ("–") and no
change.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from questionnaires.kinds import CHOICE, ENTRIES, NUMBER, Likert, kind_of
from questionnaires.model import Question

from ..dataset import Dataset
from ..privacy import DEFAULT_MIN_GROUP, suppress
from ..statistics import (
    Count,
    Frequencies,
    NumericSummary,
    entry_count_summary,
    frequencies,
    likert_distribution,
    numeric_summary,
)
from .coverage import active_offers
from .wave import DASH, Wave, check_count, difference, labels_of, steps_of, submitted_of


def common_keys(waves: Sequence[Wave]) -> list[str]:
    """Keys of the top-level questions asked in every wave, in the order of the last wave."""
    asked = [{q.key for q in w.dataset.questions} for w in waves]
    return [q.key for q in waves[-1].dataset.questions if all(q.key in keys_ for keys_ in asked)]


@dataclass(frozen=True)
class OptionRow:
    """One answer option across waves; `present[i]` is False where wave i did not offer it."""

    code: str
    label: str
    present: tuple[bool, ...]
    counts: tuple[int | None, ...]  # None: not offered, or suppressed
    percents: tuple[float | None, ...]

    @property
    def changes(self) -> tuple[float | None, ...]:
        """Percentage points from each wave to the next (None where either side has no value)."""
        return steps_of(self.percents)

    @property
    def change(self) -> float | None:
        """Percentage points from the first to the last wave."""
        return difference(self.percents[0], self.percents[-1])


@dataclass(frozen=True)
class FrequencyComparison:
    """A choice question (or one row of a matrix) in every wave, options matched by code."""

    key: str
    prompt: str
    labels: tuple[str, ...]  # wave labels
    n: tuple[int, ...]  # respondents who answered, per wave
    rows: tuple[OptionRow, ...]
    multiple: bool = False
    suppressed: tuple[bool, ...] = ()


@dataclass(frozen=True)
class NumericComparison:
    """A number or year question (or the entries per respondent of a group) in every wave."""

    key: str
    prompt: str
    labels: tuple[str, ...]
    summaries: tuple[NumericSummary, ...]

    @property
    def n(self) -> tuple[int, ...]:
        return tuple(s.n for s in self.summaries)

    @property
    def means(self) -> tuple[float | None, ...]:
        return tuple(s.mean for s in self.summaries)

    @property
    def medians(self) -> tuple[float | None, ...]:
        return tuple(s.median for s in self.summaries)

    @property
    def mean_changes(self) -> tuple[float | None, ...]:
        return steps_of(self.means)

    @property
    def median_changes(self) -> tuple[float | None, ...]:
        return steps_of(self.medians)

    @property
    def mean_change(self) -> float | None:
        return difference(self.means[0], self.means[-1])

    @property
    def median_change(self) -> float | None:
        return difference(self.medians[0], self.medians[-1])


Comparison = FrequencyComparison | NumericComparison


def _merged_order(orders: Sequence[Sequence[str]]) -> list[str]:
    """The options of every wave in the newest wave's order; an option only earlier waves had stands
    after the option it followed there (an option a wave added in the middle stays in the middle)."""
    merged = list(orders[-1]) if orders else []
    for order in reversed(orders[:-1]):
        for n, code in enumerate(order):
            if code in merged:
                continue
            before = next((c for c in reversed(order[:n]) if c in merged), None)
            merged.insert(merged.index(before) + 1 if before is not None else 0, code)
    return merged


def _frequency_comparison(key: str, prompt: str, labels: tuple[str, ...], per_wave: Sequence[Frequencies],
                          multiple: bool) -> FrequencyComparison:
    labels_by_code: dict[str, str] = {}
    for summary in per_wave:  # the newest wording of each option
        for row in summary.rows:
            labels_by_code[row.code] = row.label
    codes = {code: labels_by_code[code] for code in _merged_order([[r.code for r in s.rows] for s in per_wave])}
    rows = []
    for code, label in codes.items():
        cells: list[Count | None] = [next((r for r in s.rows if r.code == code), None) for s in per_wave]
        rows.append(OptionRow(
            code=code,
            label=label,
            present=tuple(c is not None for c in cells),
            counts=tuple(c.count if c else None for c in cells),
            percents=tuple(c.percent if c else None for c in cells),
        ))
    return FrequencyComparison(key, prompt, labels, tuple(s.n for s in per_wave), tuple(rows), multiple,
                               tuple(s.suppressed for s in per_wave))


def _matrix_rows(dataset: Dataset, question: Question) -> list[Frequencies]:
    """One frequency table per matrix row (shares of the respondents who rated that row)."""
    dist = likert_distribution(dataset, question)
    tables = []
    for item, counts, n in zip(dist.rows, dist.counts, dist.row_n, strict=True):
        sub = replace(question, key=f"{question.key}/{item.code}", kind=Likert.name, prompt=item.label, items=())
        rows = tuple(Count(o.code, o.label, c, 100.0 * c / n if n and c is not None else None)
                     for o, c in zip(question.options, counts, strict=True))
        tables.append(Frequencies(sub, n, len(dataset.responses) - n, rows))
    return tables


def one_row_choice(question: Question) -> bool:
    """A choice question with one answer row (compared by option shares)."""
    kind = kind_of(question)
    return kind.family == CHOICE and not kind.needs_items


def matrix_choice(question: Question) -> bool:
    """A choice question with rows (a matrix: compared row by row)."""
    kind = kind_of(question)
    return kind.family == CHOICE and kind.needs_items


def compare_question(waves: Sequence[Wave], key: str, *, min_group: int = DEFAULT_MIN_GROUP,
                     planner: bool = False) -> list[Comparison]:
    """The comparison(s) of question `key` across the waves (a matrix gives one per row).

    Empty for kinds without a comparison (texts, lists, dates) or when a wave lacks the question.
    `planner=False` applies the small-number suppression of `privacy` to each wave first.
    """
    check_count(waves)
    data = [submitted_of(w) for w in waves]
    asked = [d.question(key) for d in data]
    questions = [q for q in asked if q is not None]
    if len(questions) < len(asked):
        return []
    last = questions[-1]
    labels = labels_of(waves)
    kind = last.kind
    if all(one_row_choice(q) for q in questions):
        per_wave = [suppress(frequencies(d, q), min_group, planner) for d, q in zip(data, questions, strict=True)]
        return [_frequency_comparison(key, last.prompt, labels, per_wave,
                                      multiple=kind_of(last).multiple or kind_of(last).districts)]
    if all(matrix_choice(q) for q in questions):
        tables = [[suppress(t, min_group, planner) for t in _matrix_rows(d, q)]
                  for d, q in zip(data, questions, strict=True)]
        result: list[Comparison] = []
        for item in last.items:
            found = [next((t for t in wave if t.question.key == f"{key}/{item.code}"), None) for wave in tables]
            row_per_wave = [t for t in found if t is not None]
            if len(row_per_wave) < len(found):
                continue  # a row that not every wave asked
            result.append(_frequency_comparison(f"{key}/{item.code}", f"{last.prompt} – {item.label}", labels,
                                                row_per_wave, multiple=False))
        return result
    if all(kind_of(q).family == NUMBER for q in questions):
        summaries = tuple(suppress(numeric_summary(d, q), min_group, planner)
                          for d, q in zip(data, questions, strict=True))
        return [NumericComparison(key, last.prompt, labels, summaries)]
    if kind_of(last).family == ENTRIES and all(q.kind == kind for q in questions):
        summaries = tuple(suppress(entry_count_summary(active_offers(d), q), min_group, planner)
                          for d, q in zip(data, questions, strict=True))
        prompt = f"{last.prompt} (Zahl der Einträge)"
        return [NumericComparison(key, prompt, labels, summaries)]
    return []


def _quoted(labels: Sequence[str]) -> str:
    return ", ".join(f"„{label}“" for label in labels)


def option_changes(waves: Sequence[Wave], key: str) -> str:
    """What each wave added to or hid from the options of question `key`, against the wave before
    (a survey's adaptation: `Question.added`, `Question.hidden`); "" when the offered options stayed."""
    questions = [w.dataset.question(key) for w in waves]
    sentences = []
    for wave, old, new in zip(waves[1:], questions, questions[1:], strict=False):  # consecutive pairs
        if old is None or new is None or kind_of(new).family != CHOICE:
            continue
        before, known = set(old.offered_codes), set(old.option_codes)
        added = [f"„{o.label}“" + (" (nicht im Katalog)" if o.code in new.added else "")
                 for o in new.offered if o.code not in known]
        again = [o.label for o in new.offered if o.code in known and o.code not in before]
        gone = [o.label for o in old.offered if o.code not in new.offered_codes]
        parts = []
        if added:
            parts.append("ergänzt " + ", ".join(added))
        if again:
            parts.append(f"wieder angeboten {_quoted(again)}")
        if gone:
            parts.append(f"ausgeblendet {_quoted(gone)} (nicht mehr angeboten, daher ohne Wert)")
        if parts:
            sentences.append(f"Antworten in {wave.label}: " + "; ".join(parts) + ".")
    return " ".join(sentences)


def compare_questions(waves: Sequence[Wave], *, min_group: int = DEFAULT_MIN_GROUP,
                      planner: bool = False) -> list[Comparison]:
    """Comparisons of every question asked in all waves, in the order of the last wave."""
    found: list[Comparison] = []
    for key in common_keys(waves):
        found += compare_question(waves, key, min_group=min_group, planner=planner)
    return found


def comparison_table(comparison: Comparison) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) for a report or spreadsheet; "–" where a wave has no value."""
    labels = list(comparison.labels)
    steps = [f"Δ {a} → {b} (pp)" for a, b in itertools.pairwise(labels)]
    whole = [f"Δ {labels[0]} → {labels[-1]} (pp)"] if len(labels) > 2 else []

    def cell(value: Any) -> Any:
        return DASH if value is None else value

    if isinstance(comparison, FrequencyComparison):
        header = ["Antwort"] + [f"{w} Anzahl" for w in labels] + [f"{w} Anteil (%)" for w in labels] + steps + whole
        rows = []
        for row in comparison.rows:
            counts = [cell(c) if p else DASH for c, p in zip(row.counts, row.present, strict=True)]
            rows.append([row.label, *counts, *map(cell, row.percents), *map(cell, row.changes)]
                        + ([cell(row.change)] if whole else []))
        rows.append(["n", *comparison.n, *[""] * (len(labels) + len(steps) + len(whole))])
        return header, rows
    header = ["Kennzahl", *labels] + [s.replace(" (pp)", "") for s in steps + whole]
    rows = []
    for name, values, changes, change in (
        ("n", comparison.n, steps_of(comparison.n), difference(comparison.n[0], comparison.n[-1])),
        ("Mittelwert", comparison.means, comparison.mean_changes, comparison.mean_change),
        ("Median", comparison.medians, comparison.median_changes, comparison.median_change),
    ):
        rows.append([name, *map(cell, values), *map(cell, changes)] + ([cell(change)] if whole else []))
    return header, rows
