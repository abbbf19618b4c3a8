"""The catalogue's data types: frozen dataclasses for modules, questions, options and conditions
(clauses with their operators).

A `Question` describes one question wherever it lives: in the catalogue, copied into a survey
(`SurveyItem.to_question()`), or read back from a codebook by `analysis`. Keys are stable across
wording changes; `version` is bumped when the wording changes.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from typing import Any

# Codes of the options a survey adds to a catalogue question start with this; the loader refuses it in
# catalogue files, so an added option never collides with a catalogue code (of any version).
LOCAL_PREFIX = "lokal_"


@dataclass(frozen=True)
class Option:
    """One answer option: a stable `code` and a label that may be reworded."""

    code: str
    label: str


# Condition operators (stored by these codes) and how the builder, preview and paper form say them.
IS, ONE_OF, CONTAINS, ANSWERED = "ist", "eine_von", "enthaelt", "beantwortet"
AT_LEAST, AT_MOST, EQUALS = "ge", "le", "eq"
OPERATOR_LABELS = {IS: "ist", ONE_OF: "ist eine von", CONTAINS: "enthält", ANSWERED: "ist beantwortet",
                   AT_LEAST: "Zahl ≥", AT_MOST: "Zahl ≤", EQUALS: "Zahl ="}
NUMBER_OPERATORS = (AT_LEAST, AT_MOST, EQUALS)
AND, OR = "und", "oder"


@dataclass(frozen=True)
class Clause:
    """One part of a condition: the answer to the earlier question `question` meets `operator`
    with option codes `values` (ist, ist eine von, enthält) or the number `number` (Zahl ≥, ≤, =)."""

    question: str
    operator: str = ONE_OF
    values: tuple[str, ...] = ()
    number: float | None = None


@dataclass(frozen=True)
class Condition:
    """Show a question only when its clauses hold: all of them ("und") or any ("oder")."""

    clauses: tuple[Clause, ...]
    combinator: str = AND

    @classmethod
    def one_of(cls, question: str, values: tuple[str, ...]) -> Condition:
        """The catalogue's condition: the answer to `question` is one of `values`."""
        return cls((Clause(question, ONE_OF, tuple(values)),))

    @property
    def questions(self) -> tuple[str, ...]:
        """The keys of the questions the condition depends on, each once, in clause order."""
        return tuple(dict.fromkeys(c.question for c in self.clauses))


def _attribute(default: Any, *, toml: str = "", catalogue: bool = True, codebook: int = 0) -> Any:
    """A question attribute and where it is spelled: `toml` its name in catalogue files (if not its
    own), `catalogue=False` when catalogue files do not set it, `codebook` its column position in
    the codebook (0: not a codebook column)."""
    return field(default=default, metadata={"toml": toml, "catalogue": catalogue, "codebook": codebook})


@dataclass(frozen=True)
class Question:
    """A question of any kind; which attributes matter depends on `kind` (see `kinds`).

    The one schema of a question: the catalogue loader's attribute names (`CATALOGUE_ATTRIBUTES`),
    the stored copy (`serialize`) and the codebook columns (`CODEBOOK_ATTRIBUTES`) derive from it."""

    key: str
    kind: str
    prompt: str
    version: int = _attribute(1, codebook=3)
    module: str = _attribute("", catalogue=False, codebook=1)
    section: str = _attribute("", codebook=2)
    help: str = _attribute("")
    required: bool = _attribute(False, codebook=4)
    options: tuple[Option, ...] = _attribute(())
    other: bool = _attribute(False, codebook=5)  # choice kinds: offer "Sonstiges, und zwar: …"
    items: tuple[Option, ...] = _attribute(())  # matrix rows
    minimum: float | None = _attribute(None, toml="min", codebook=7)
    maximum: float | None = _attribute(None, toml="max", codebook=8)
    integer: bool = _attribute(True, codebook=6)  # number kind: whole numbers only
    max_entries: int | None = _attribute(None, codebook=9)  # list, group
    condition: Condition | None = _attribute(None, codebook=10)  # text in the codebook (`serialize`)
    fields: tuple[Question, ...] = _attribute(())  # group entries / per-partner attributes
    # Options adapted for one survey (`survey/services/option_adaptation.py`): codes still known (old
    # answers, exports) but no longer offered, and codes the survey added (`lokal_…`, never a catalogue code).
    hidden: tuple[str, ...] = _attribute((), catalogue=False)
    added: tuple[str, ...] = _attribute((), catalogue=False)

    def option_label(self, code: str) -> str:
        """The label of option `code`, or the code itself when it is unknown."""
        for option in self.options:
            if option.code == code:
                return option.label
        return code

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    @property
    def offered(self) -> tuple[Option, ...]:
        """The options respondents are offered: all but the hidden ones."""
        return tuple(option for option in self.options if option.code not in self.hidden)

    @property
    def offered_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.offered)


QUESTION_ATTRIBUTES: tuple[Field[Any], ...] = fields(Question)
# The attributes a catalogue file may give a question, by their names there.
CATALOGUE_ATTRIBUTES = frozenset(
    f.metadata.get("toml") or f.name for f in QUESTION_ATTRIBUTES if f.metadata.get("catalogue", True)
)
# The plain attributes the codebook has a column for, in column order.
CODEBOOK_ATTRIBUTES: tuple[Field[Any], ...] = tuple(sorted(
    (f for f in QUESTION_ATTRIBUTES if f.metadata.get("codebook")), key=lambda f: f.metadata["codebook"]))


@dataclass(frozen=True)
class Module:
    """A general questionnaire (Akteur, Angebote, Netzwerk, Kooperation …)."""

    key: str
    title: str
    description: str = ""
    questions: tuple[Question, ...] = ()

    @property
    def sections(self) -> list[str]:
        """Section titles in the order they first appear."""
        seen: dict[str, None] = {}
        for question in self.questions:
            seen.setdefault(question.section, None)
        return list(seen)


@dataclass(frozen=True)
class SurveyTemplate:
    """A ready-made starting point: a title, an introduction and pages of question keys."""

    key: str
    title: str
    description: str
    pages: tuple[tuple[str, tuple[str, ...]], ...]
    # Its texts promise respondents that single answers are not passed on by name: a survey made
    # from it is confidential (no row-level data for analysts).
    confidential: bool = False


# Words nearly every prompt contains; a search by any word leaves them out (`Catalogue.search_scored`).
SEARCH_FILLERS = frozenset({
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "einen", "eines", "und", "oder", "in", "im",
    "an", "am", "auf", "aus", "bei", "mit", "von", "vom", "zu", "zum", "zur", "für", "ist", "sind", "wird",
    "werden", "es", "sie", "ihr", "ihre", "ihren", "ihrer", "ihrem", "ihnen", "wie", "was", "wer", "wo", "welche",
    "welcher", "welchen", "welches", "sich", "bitte", "nicht", "ja", "nein"
})


@dataclass(frozen=True)
class Catalogue:
    """All modules, with a look-up of every question by key."""

    modules: tuple[Module, ...]
    templates: tuple[SurveyTemplate, ...] = ()
    lists: dict[str, tuple[Option, ...]] = field(default_factory=dict, compare=False)  # lists.toml by name
    by_key: dict[str, Question] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for module in self.modules:
            for question in module.questions:
                self.by_key[question.key] = question

    def get(self, key: str) -> Question | None:
        return self.by_key.get(key)

    def module(self, key: str) -> Module | None:
        return next((m for m in self.modules if m.key == key), None)

    def search(self, words: str) -> list[Question]:
        """Questions whose prompt, help, key, section or options contain any of `words`, those
        matching the most words first (all words before some), then in catalogue order."""
        return [question for question, _matched in self.search_scored(words)]

    @staticmethod
    def search_terms(words: str) -> list[str]:
        """The distinct words a search looks for. Filler words ("die", "Ihre", "wie" …:
        `SEARCH_FILLERS`) count only when nothing else was typed: almost every question has them."""
        typed = [t for t in dict.fromkeys(w.casefold().strip(".,;:!?\"'„“") for w in words.split()) if t]
        return [t for t in typed if t not in SEARCH_FILLERS] or typed

    def search_scored(self, words: str) -> list[tuple[Question, int]]:
        """`search` with the number of distinct words (`search_terms`) each question matched."""
        terms = self.search_terms(words)
        found = []
        for module in self.modules:
            for question in module.questions:
                text = " ".join(
                    [question.prompt, question.help, question.key, question.section]
                    + [o.label for o in question.options]
                ).casefold()
                matched = sum(1 for term in terms if term in text)
                if matched:
                    found.append((question, matched))
        found.sort(key=lambda item: -item[1])  # stable: catalogue order within the same count
        return found
