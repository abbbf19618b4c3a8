"""Coding free text into categories: the normal form of an answer text, the coding as plain data,
the distinct texts of a question with their counts, ranked suggestions, and the export column.

A coding (`Coding`) maps normal forms to category codes. Spellings with the same normal form
("Übergang Kita – Schule", "Uebergang Kita-Schule", "übergang kita-schule") are one text here and
share one category. Beyond that, `suggestions` ranks uncoded texts by their similarity (rapidfuzz's
token sort ratio, 0–100) to a category's name and to the texts already in it; the planner accepts or
rejects each, and a rejected pair is not suggested again.

Pure: no Flask, no database. The web app builds `Coding`s from its tables
(`survey/services/coding.py`), the counting of categories for charts and tables is
`analysis.statistics.coded_frequencies`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from questionnaires.kinds import JOIN, SPLIT, Column, Values
from questionnaires.model import Option, Question

UNCODED = "nicht_zugeordnet"
UNCODED_LABEL = "nicht zugeordnet"
CATEGORY_SUFFIX = "/kategorie"  # the "Rohdaten" key of a coded question's category column
CATEGORY_HEADER = "Kategorie"
SCORE_MIN = 70.0  # suggestions below this similarity are not shown
SUGGESTIONS_MAX = 50

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212-"
_DASH = re.compile(rf"\s*[{_DASHES}]\s*")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_EDGE = ".,;:!?\"'„“”‚‘’«»()[] "


def normalise(text: str) -> str:
    """The comparable form of an answer text: Unicode-composed, case-folded, umlauts and ß spelt out
    (ä → ae, ß → ss), every dash with the spaces around it one "-", inner whitespace collapsed, end
    punctuation and quotes dropped. "Übergang Kita – Schule" and "uebergang kita-schule." are one."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    text = re.sub(r"\s+", " ", _DASH.sub("-", text)).strip(_EDGE + _DASHES)
    return text


def answer_texts(value: Any) -> list[str]:
    """The texts of one answer: a text answer is one, a list answer each entry (empty ones left out)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else [str(value)]
    return [str(item) for item in items if str(item).strip()]


@dataclass(frozen=True)
class Coding:
    """A question's categories (code, label; in the planner's order) and which normal form belongs to
    which category code."""

    key: str
    categories: tuple[Option, ...] = ()
    assigned: Mapping[str, str] = field(default_factory=dict, hash=False)

    def category_of(self, text: str) -> str | None:
        """The category code of an answer text, None when it is not assigned."""
        return self.assigned.get(normalise(text))

    def label(self, code: str) -> str:
        if code == UNCODED:
            return UNCODED_LABEL
        return next((o.label for o in self.categories if o.code == code), code)

    def codes_of(self, value: Any) -> list[str]:
        """The categories of one answer, each once, in category order; `UNCODED` (last) for a text
        not assigned; [] for no answer."""
        found = {self.category_of(text) or UNCODED for text in answer_texts(value)}
        order = [o.code for o in self.categories if o.code in found]
        return order + ([UNCODED] if UNCODED in found else [])

    @property
    def options(self) -> tuple[Option, ...]:
        """The categories and "nicht zugeordnet": the rows of a coded question's chart."""
        return (*self.categories, Option(UNCODED, UNCODED_LABEL))


@dataclass(frozen=True)
class TextGroup:
    """One distinct answer text (normal form) of a question: its spellings with their counts, the
    respondents who gave it, and its category code (None: not assigned)."""

    text: str
    spellings: tuple[tuple[str, int], ...]
    count: int
    category: str | None

    @property
    def shown(self) -> str:
        """The most common spelling, to show for the group."""
        return self.spellings[0][0]


def text_groups(answers: Iterable[Any], coding: Coding | None = None) -> list[TextGroup]:
    """The distinct texts of the answers (one per normal form), most frequent first; a respondent who
    gives the same text twice counts once."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for value in answers:
        seen: set[str] = set()
        for text in answer_texts(value):
            norm = normalise(text)
            if not norm:
                continue
            spellings.setdefault(norm, Counter())[" ".join(text.split())] += 1
            if norm not in seen:
                seen.add(norm)
                counts[norm] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        TextGroup(norm, tuple(sorted(spellings[norm].items(), key=lambda s: -s[1])), count,  # ties: first given
                  coding.assigned.get(norm) if coding else None)
        for norm, count in ordered
    ]


@dataclass(frozen=True)
class Suggestion:
    """An uncoded text that looks like a category: `score` (0–100) of the closest match, `basis` what it
    matched (the category's name or a text already in it)."""

    text: str
    category: str
    score: float
    basis: str


def similarity(first: str, second: str) -> float:
    """How alike two normal forms are, 0–100 (word order does not count)."""
    return float(fuzz.token_sort_ratio(first, second))


def suggestions(groups: Sequence[TextGroup], coding: Coding, rejected: Iterable[tuple[str, str]] = (),
                minimum: float = SCORE_MIN, limit: int = SUGGESTIONS_MAX) -> list[Suggestion]:
    """For each uncoded text the best category it is not rejected for, if it scores at least `minimum`;
    ranked by score (then by how many respondents gave the text). `rejected`: (normal form, category code)."""
    refused = set(rejected)
    members: dict[str, list[str]] = {o.code: [normalise(o.label)] for o in coding.categories}
    for norm, code in coding.assigned.items():
        if code in members:
            members[code].append(norm)
    found: list[tuple[Suggestion, int]] = []
    for group in groups:
        if group.category is not None:
            continue
        best: Suggestion | None = None
        for code, texts in members.items():
            if (group.text, code) in refused:
                continue
            score, basis = max(((similarity(group.text, t), t) for t in texts), key=lambda pair: pair[0])
            if score >= minimum and (best is None or score > best.score):
                best = Suggestion(group.text, code, round(score, 1), basis)
        if best is not None:
            found.append((best, group.count))
    found.sort(key=lambda pair: (-pair[0].score, -pair[1], pair[0].text))
    return [suggestion for suggestion, _count in found[:limit]]


SIMILAR_MAX = 500  # uncoded texts compared with each other (the most frequent ones)


def similar_uncoded(groups: Sequence[TextGroup], minimum: float = SCORE_MIN,
                    per_text: int = 3) -> dict[str, list[tuple[str, float]]]:
    """For each uncoded text the other uncoded texts that look alike (normal form → up to `per_text`
    (normal form, score), best first): a hint for a first category while there is none to suggest."""
    texts = [g.text for g in groups if g.category is None][:SIMILAR_MAX]
    if len(texts) < 2:
        return {}
    scores = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=minimum)
    found: dict[str, list[tuple[str, float]]] = {}
    for i, text in enumerate(texts):
        alike = sorted(((float(scores[i][j]), texts[j]) for j in range(len(texts)) if j != i and scores[i][j]),
                       key=lambda pair: -pair[0])
        if alike:
            found[text] = [(other, round(score, 1)) for score, other in alike[:per_text]]
    return found


def category_column(question: Question, coding: Coding) -> Column:
    """The export column "<question> – Kategorie" (key "<key>/kategorie"): the category codes
    ("|"-joined for list answers; `UNCODED` for a text not assigned) in "Rohdaten", the names
    ("; "-joined) in "lesbar"."""

    def raw(values: Values) -> Any:
        return SPLIT.join(coding.codes_of(values.get(question.key))) or None

    def readable(values: Values) -> Any:
        return JOIN.join(coding.label(c) for c in coding.codes_of(values.get(question.key))) or None

    return Column(question.key + CATEGORY_SUFFIX, question.prompt, CATEGORY_HEADER, raw=raw, readable=readable)
