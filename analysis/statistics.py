"""Descriptive statistics per question: frequencies, numeric summaries, Likert distributions, texts.

`summarise(dataset, question)` picks the one the kind names (`Kind.summary`, see `SUMMARIES`).
Every result is a frozen dataclass that carries its question and `n` (the respondents the result is
based on), so charts and tables can state "n = …". Percentages are relative to the respondents who
answered the question (for multiple choice as well, so they may sum to more than 100 %).

Counts may be `None` after `privacy.suppress` (fewer than `min_group` respondents in a cell).
"""

from __future__ import annotations

import re
import statistics as pystats
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from questionnaires.kinds import KINDS, OTHER, District, kind_of
from questionnaires.model import LOCAL_PREFIX, Option, Question

from . import keys
from .coding import Coding
from .dataset import Dataset

OTHER_LABEL = "Sonstiges"
# Answer options that are not a position on the scale ("Weiß ich nicht", "Kann ich nicht beurteilen" …),
# by their catalogue code: kept out of the diverging Likert bars and out of mean and median. The one rule.
NON_SUBSTANTIVE = frozenset(
    {"weiss_nicht", "keine_angabe", "kann_nicht_beurteilen", "nicht_beurteilbar", "nicht_zutreffend", "entfaellt"}
)


def on_scale(option: Option) -> bool:
    """Is the option a position of its rating scale? Not the ones off the scale (`NON_SUBSTANTIVE`),
    nor options a survey added (`lokal_…`, e.g. its own "Weiß nicht"): the positions and their numbers
    stay those of the catalogue, so means compare across waves and Kommunen."""
    return option.code not in NON_SUBSTANTIVE and not option.code.startswith(LOCAL_PREFIX)


def scale_values(scale: Iterable[Option]) -> dict[str, int]:
    """The numeric mapping of a rating scale: its positions (`on_scale`) numbered 1, 2, … in
    catalogue order (an option hidden in a survey keeps its number)."""
    return {o.code: n for n, o in enumerate((o for o in scale if on_scale(o)), start=1)}


def scale_mapping(scale: Iterable[Option]) -> str:
    """The mapping in words: "1 = Trifft gar nicht zu … 5 = Trifft voll zu" (and what is left out)."""
    options = list(scale)
    positions = [o for o in options if on_scale(o)]
    if not positions:
        return ""
    ends = f"1 = {positions[0].label} … {len(positions)} = {positions[-1].label}"
    if len(positions) <= 2:
        ends = ", ".join(f"{n} = {o.label}" for n, o in enumerate(positions, start=1))
    off = [f"„{o.label}“" for o in options if not on_scale(o)]
    return ends + (f"; ohne {' und '.join(off)}" if off else "")


@dataclass(frozen=True)
class Count:
    """One row of a frequency table."""

    code: str
    label: str
    count: int | None
    percent: float | None


@dataclass(frozen=True)
class Frequencies:
    """Counts of options (or of normalised list entries); `n` = respondents who answered."""

    question: Question
    n: int
    missing: int
    rows: tuple[Count, ...]
    multiple: bool = False
    other_texts: tuple[str, ...] = ()
    suppressed: bool = False


@dataclass(frozen=True)
class NumericSummary:
    question: Question
    n: int
    missing: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    q1: float | None
    q3: float | None
    values: tuple[float, ...] = ()
    suppressed: bool = False


@dataclass(frozen=True)
class LikertDistribution:
    """Per row (matrix item, or the one Likert question): counts per scale option."""

    question: Question
    n: int  # respondents who answered at least one row
    rows: tuple[Option, ...]
    scale: tuple[Option, ...]
    counts: tuple[tuple[int | None, ...], ...]  # [row][scale option]
    row_n: tuple[int, ...]
    suppressed: bool = False
    # per row, on the numeric mapping of `scale_values` (answers off the scale excluded); None: no answer
    means: tuple[float | None, ...] = ()
    medians: tuple[float | None, ...] = ()

    @property
    def mapping(self) -> str:
        """The numeric mapping behind `means` and `medians`, in words."""
        return scale_mapping(self.scale)

    @property
    def substantive(self) -> tuple[int, ...]:
        """Indices of the scale options that are positions on the scale (`on_scale`)."""
        return tuple(i for i, o in enumerate(self.scale) if on_scale(o))


@dataclass(frozen=True)
class Texts:
    question: Question
    n: int
    missing: int
    texts: tuple[str, ...]
    suppressed: bool = False


Summary = Frequencies | NumericSummary | LikertDistribution | Texts


def _percent(count: int, n: int) -> float | None:
    return 100.0 * count / n if n else None


def _rows(options: Iterable[Option], counter: Counter[str], n: int) -> list[Count]:
    rows = []
    known = set()
    for option in options:
        known.add(option.code)
        rows.append(Count(option.code, option.label, counter[option.code], _percent(counter[option.code], n)))
    for code, count in counter.items():  # codes no longer in the options (e.g. an older wave)
        if code not in known:
            rows.append(Count(code, code, count, _percent(count, n)))
    return rows


def frequencies(dataset: Dataset, question: Question) -> Frequencies:
    """Option counts of a single choice, multiple choice, Likert or district question."""
    answers = dataset.values(question.key)
    kind = kind_of(question)
    multiple = kind.multiple or kind.districts
    counter: Counter[str] = Counter()
    for value in answers:
        counter.update(value if multiple else [value])
    # An option hidden in this survey (`Question.hidden`) was not offered: no row unless an answer has it.
    options = [o for o in question.options if o.code not in question.hidden or counter[o.code]]
    if kind.districts and not options:
        options = list(dataset.district_options)
    if question.other or OTHER in counter:
        options.append(Option(OTHER, OTHER_LABEL))
    other_texts = tuple(str(t) for t in dataset.values(f"{question.key}/{OTHER}"))
    n = len(answers)
    return Frequencies(
        question=question,
        n=n,
        missing=len(dataset.responses) - n,
        rows=tuple(_rows(options, counter, n)),
        multiple=multiple,
        other_texts=other_texts,
    )


def numeric_summary(dataset: Dataset, question: Question) -> NumericSummary:
    """n, mean, median, minimum, maximum and quartiles of a number or year question."""
    numbers = [float(v) for v in dataset.values(question.key) if isinstance(v, (int, float))]
    return describe(question, numbers, missing=len(dataset.responses) - len(numbers))


def describe(question: Question, numbers: list[float], missing: int = 0) -> NumericSummary:
    """The numeric summary of `numbers` (quartiles by the inclusive method, as in a spreadsheet)."""
    if not numbers:
        return NumericSummary(question, 0, missing, None, None, None, None, None, None)
    if len(numbers) > 1:
        q1, _median, q3 = pystats.quantiles(numbers, n=4, method="inclusive")
    else:
        q1 = q3 = numbers[0]
    return NumericSummary(
        question=question,
        n=len(numbers),
        missing=missing,
        mean=pystats.fmean(numbers),
        median=pystats.median(numbers),
        minimum=min(numbers),
        maximum=max(numbers),
        q1=q1,
        q3=q3,
        values=tuple(numbers),
    )


def likert_distribution(dataset: Dataset, question: Question) -> LikertDistribution:
    """Counts per scale option for a Likert question (one row) or each row of a matrix."""
    if kind_of(question).needs_items:
        rows = question.items
        answers = [dict(v) for v in dataset.values(question.key)]
    else:
        rows = (Option(question.key, question.prompt),)
        answers = [{question.key: v} for v in dataset.values(question.key)]
    counts = []
    row_n = []
    means: list[float | None] = []
    medians: list[float | None] = []
    numbers = scale_values(question.options)
    for row in rows:
        counter = Counter(answer[row.code] for answer in answers if answer.get(row.code))
        counts.append(tuple(counter[option.code] for option in question.options))
        row_n.append(sum(counter[option.code] for option in question.options))
        positions = [numbers[code] for code, count in counter.items() if code in numbers for _ in range(count)]
        means.append(pystats.fmean(positions) if positions else None)
        medians.append(float(pystats.median(positions)) if positions else None)
    return LikertDistribution(
        question=question,
        n=len(answers),
        rows=tuple(rows),
        scale=question.options,
        counts=tuple(counts),
        row_n=tuple(row_n),
        means=tuple(means),
        medians=tuple(medians),
    )


def texts(dataset: Dataset, question: Question) -> Texts:
    """The free-text answers, as given (for reading, not counting)."""
    found = tuple(str(v) for v in dataset.values(question.key))
    return Texts(question, len(found), len(dataset.responses) - len(found), found)


def normalise_entry(text: str) -> str:
    """The comparable form of a list entry: case-folded, inner whitespace collapsed, no end punctuation."""
    return re.sub(r"\s+", " ", text).strip().strip(".,;:!?-–\"'„“").strip().casefold()


def entry_frequencies(dataset: Dataset, question: Question) -> Frequencies:
    """How often each entry of a list question was named ("the three main topics").

    Entries are compared normalised for case and whitespace; each is labelled with its most common
    spelling. A respondent naming the same topic twice counts once.
    """
    answers = dataset.values(question.key)
    counter: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for entries in answers:
        seen = set()
        for entry in entries:
            norm = normalise_entry(entry)
            if not norm or norm in seen:
                continue
            seen.add(norm)
            counter[norm] += 1
            spellings.setdefault(norm, Counter())[re.sub(r"\s+", " ", entry).strip()] += 1
    n = len(answers)
    ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    rows = tuple(Count(norm, spellings[norm].most_common(1)[0][0], count,
                       _percent(count, n)) for norm, count in ordered)
    return Frequencies(question, n, len(dataset.responses) - n, rows, multiple=True)


def coded_frequencies(dataset: Dataset, question: Question, coding: Coding) -> Frequencies:
    """Respondents per category of a coded free-text question, "nicht zugeordnet" last (texts not
    assigned yet). A list answer may fall into several categories (counted once in each)."""
    answers = dataset.values(question.key)
    counter: Counter[str] = Counter()
    multiple = False
    for value in answers:
        multiple = multiple or not isinstance(value, str)
        counter.update(coding.codes_of(value))
    n = len(answers)
    return Frequencies(question, n, len(dataset.responses) - n, tuple(_rows(coding.options, counter, n)),
                       multiple=multiple)


DISTRICT_QUESTION = Question(key=keys.DISTRICTS, kind=District.name,
                             prompt="In welchen Stadtteilen sind die antwortenden Einrichtungen tätig?")


def district_distribution(dataset: Dataset) -> Frequencies:
    """Respondents per district (an organisation active in several districts counts in each)."""
    question = dataset.question(keys.DISTRICTS) or DISTRICT_QUESTION
    per_response = [dataset.districts_of(r) for r in dataset.responses]
    counter: Counter[str] = Counter(code for codes in per_response for code in codes)
    n = sum(1 for codes in per_response if codes)
    options = dataset.district_options or question.options
    return Frequencies(question, n, len(dataset.responses) - n, tuple(_rows(options, counter, n)), multiple=True)


def entry_count_summary(dataset: Dataset, question: Question) -> NumericSummary:
    """How many entries (offers, partners) respondents gave to a group or roster question."""
    numbers = [float(len(r.values.get(question.key) or ())) for r in dataset.responses if question.key in r.values]
    return describe(question, numbers, missing=len(dataset.responses) - len(numbers))


# The summaries a kind may name as its `Kind.summary` ("none": no summary, e.g. info texts).
SUMMARIES: dict[str, Callable[[Dataset, Question], Summary]] = {
    "frequencies": frequencies,
    "likert": likert_distribution,
    "numeric": numeric_summary,
    "entry_frequencies": entry_frequencies,
    "texts": texts,
    "entry_count": entry_count_summary,
}


def summarise(dataset: Dataset, question: Question) -> Summary | None:
    """The summary the question's kind names (a coded free-text question: its categories); None for
    kinds without one (info)."""
    coding = dataset.coding(question.key)
    if coding is not None:
        return coded_frequencies(dataset, question, coding)
    kind = KINDS.get(question.kind)
    summary = SUMMARIES.get(kind.summary) if kind else None
    return summary(dataset, question) if summary else None


def as_table(summary: Summary) -> tuple[list[str], list[list[Any]]]:
    """A summary as (header, rows) for a report table or a spreadsheet."""
    if isinstance(summary, Frequencies):
        header = ["Antwort", "Anzahl", "Anteil (%)"]
        return header, [[row.label, row.count, row.percent] for row in summary.rows]
    if isinstance(summary, NumericSummary):
        s = summary
        return ["Kennzahl", "Wert"], [
            ["n", s.n], ["Mittelwert", s.mean], ["Median", s.median], ["Minimum", s.minimum],
            ["1. Quartil", s.q1], ["3. Quartil", s.q3], ["Maximum", s.maximum],
        ]
    if isinstance(summary, LikertDistribution):
        header = ["Aussage"] + [o.label for o in summary.scale] + ["n", "Mittelwert", "Median"]
        return header, [[row.label, *counts, n, mean, median] for row, counts, n, mean, median in
                        zip(summary.rows, summary.counts, summary.row_n, summary.means, summary.medians,
                            strict=True)]
    return ["Antwort"], [[text] for text in summary.texts]
