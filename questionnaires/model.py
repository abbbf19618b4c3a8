"""The catalogue's data types: frozen dataclasses for modules, questions, options and conditions.

A `Question` describes one question wherever it lives: in the catalogue, copied into a survey
(`SurveyItem.to_question()`), or read back from a codebook by `analysis`. Keys are stable across
wording changes; `version` is bumped when the wording changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    """One answer option: a stable `code` and a label that may be reworded."""

    code: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Show a question only when an earlier answer (`question`) has one of `values`."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """A question of any kind; which attributes matter depends on `kind` (see `kinds`)."""

    key: str
    kind: str
    prompt: str
    version: int = 1
    module: str = ""
    section: str = ""
    help: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    other: bool = False  # choice kinds: offer "Sonstiges, und zwar: …"
    items: tuple[Option, ...] = ()  # matrix rows
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = True  # number kind: whole numbers only
    max_entries: int | None = None  # list, group
    condition: Condition | None = None
    fields: tuple[Question, ...] = ()  # group entries / per-partner attributes

    def option_label(self, code: str) -> str:
        """The label of option `code`, or the code itself when it is unknown."""
        for option in self.options:
            if option.code == code:
                return option.label
        return code

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)


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
        """Questions whose prompt, help, key or options contain every one of `words`."""
        terms = [w.casefold() for w in words.split() if w]
        found = []
        for module in self.modules:
            for question in module.questions:
                text = " ".join(
                    [question.prompt, question.help, question.key, question.section]
                    + [o.label for o in question.options]
                ).casefold()
                if all(term in text for term in terms):
                    found.append(question)
        return found
