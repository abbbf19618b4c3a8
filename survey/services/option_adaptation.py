"""Adapting the options of a catalogue question for one survey: add options, hide options, reword labels.

Keys and the existing codes stay, so waves and Kommunen stay comparable:
- an *added* option gets a survey-local code `lokal_<label>` (`model.LOCAL_PREFIX`, which the catalogue
  loader refuses), listed in `definition["added"]`;
- a *hidden* option stays in `definition["options"]` (old answers keep their label, exports keep its
  column) and is listed in `definition["hidden"]`; respondents are not offered it (`Question.offered`);
- labels are reworded through `surveys.apply_wording`, the rules of the builder's "Formulierung".

Only kinds that say so (`Kind.adapt_options`) and only catalogue questions of a draft. Copies and follow-up
waves copy `definition` and so carry the adaptation; `carried` keeps it when a wave updates the question to
a newer catalogue version. Other code asks `offered_options` / `hidden_codes` / `added_codes`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from questionnaires.conditions import condition_refs
from questionnaires.kinds import KINDS
from questionnaires.model import LOCAL_PREFIX, Option, Question

from ..extensions import db
from ..models import Survey, SurveyItem
from . import audit
from .surveys import SurveyError, apply_wording, option_code, require_draft

LABEL_MAX = 300
CATALOGUE, ADDED, HIDDEN = "Katalog", "in dieser Befragung ergänzt", "ausgeblendet"


def offered_options(question: Question) -> tuple[Option, ...]:
    """The options respondents are offered (hidden ones left out)."""
    return question.offered


def hidden_codes(question: Question) -> frozenset[str]:
    """Codes of options hidden in this survey: known for old answers and exports, never offered."""
    return frozenset(question.hidden)


def added_codes(question: Question) -> frozenset[str]:
    """Codes of options this survey (or an earlier wave of it) added to the catalogue question."""
    return frozenset(question.added)


def adaptable(item: SurveyItem) -> bool:
    """Whether the options of `item` may be adapted: a catalogue question of a kind that allows it."""
    return item.catalogue_version is not None and KINDS[item.kind].adapt_options


def origin(question: Question, code: str) -> str:
    """"Katalog" or "in dieser Befragung ergänzt", with "; ausgeblendet" when hidden (codebook, builder)."""
    text = ADDED if code in question.added else CATALOGUE
    return f"{text}; {HIDDEN}" if code in question.hidden else text


def is_adapted(item: SurveyItem) -> bool:
    return bool(item.definition.get("hidden") or item.definition.get("added"))


@dataclass
class Proposal:
    """What the planner posted: label per code, codes to hide, added codes to remove, new labels (one a
    line) and the option after which they go (`after`; "" or an unknown code: at the end)."""

    labels: dict[str, str] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    new: str = ""
    after: str = ""

    @property
    def new_labels(self) -> list[str]:
        return [line.strip() for line in self.new.splitlines() if line.strip()]


class AdaptationRefused(SurveyError):
    """The proposal breaks a rule; `problems` maps form fields (`label-<code>`, `new`, "") to German messages."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__(" ".join(problems.values()))


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def removable(survey: Survey, item: SurveyItem) -> set[str]:
    """Added codes that may still be removed: not asked in the wave before (there it has answers)."""
    added = set(item.definition.get("added") or ())
    previous = db.session.get(Survey, survey.previous_id) if survey.previous_id else None
    if previous is not None:
        earlier = next((i for i in previous.items if i.key == item.key), None)
        if earlier is not None:
            added -= {o["code"] for o in earlier.definition.get("options", [])}
    return added


def _problems(survey: Survey, item: SurveyItem, proposal: Proposal) -> dict[str, str]:
    question = item.to_question()
    problems: dict[str, str] = {}
    kept = [o for o in question.options if o.code not in proposal.removed]
    labels = {o.code: (proposal.labels.get(o.code, o.label) or "").strip() for o in kept}
    seen: dict[str, str] = {}
    for option in kept:
        label = labels[option.code]
        name = f"label-{option.code}"
        if not label:
            problems[name] = (f"Bitte geben Sie der Antwort „{option.label}“ einen Text. Soll sie nicht mehr "
                              "angeboten werden, blenden Sie sie aus.")
        elif len(label) > LABEL_MAX:
            problems[name] = f"Bitte höchstens {LABEL_MAX} Zeichen (jetzt: {len(label)})."
        elif _key(label) in seen:
            problems[name] = f"Die Antwort „{label}“ steht schon einmal in der Liste."
        seen.setdefault(_key(label), option.code)
    for label in proposal.new_labels:
        if len(label) > LABEL_MAX:
            problems["new"] = f"Bitte höchstens {LABEL_MAX} Zeichen je neuer Antwort („{label[:40]} …“)."
        elif _key(label) in seen:
            code = seen[_key(label)]
            hint = (" Sie ist ausgeblendet: nehmen Sie den Haken bei „ausblenden“ heraus, um sie wieder anzubieten."
                    if code in proposal.hidden else "")
            problems["new"] = f"Die Antwort „{label}“ gibt es schon.{hint}"
        elif label.casefold() in ("sonstiges", "sonstiges, und zwar"):
            problems["new"] = "„Sonstiges“ ist keine eigene Antwort; es gehört zur Frage, wenn der Katalog es vorsieht."
        else:
            seen[_key(label)] = ""
    offered = [o for o in kept if o.code not in proposal.hidden] + proposal.new_labels
    if len(offered) + int(question.other) < 2:
        problems[""] = "Mindestens zwei Antworten müssen angeboten bleiben."
    for other in survey.items:  # a condition that asks for an option must still be able to see it
        wanted = {code for key, codes in condition_refs(other.to_question()) if key == item.key for code in codes}
        gone = wanted & (proposal.hidden | proposal.removed)
        if gone:
            names = ", ".join(f"„{question.option_label(code)}“" for code in sorted(gone))
            problems[""] = (f"Die Frage „{other.prompt}“ wird nur gezeigt, wenn hier {names} gewählt wurde; "
                            "diese Antwort muss deshalb angeboten bleiben.")
    not_removable = proposal.removed - removable(survey, item)
    if not_removable:
        problems[""] = ("Nur Antworten, die diese Befragung selbst ergänzt hat, lassen sich entfernen; "
                        "blenden Sie die anderen aus.")
    return problems


def _summary(item: SurveyItem) -> dict[str, Any]:
    """The adaptation as the audit log shows it."""
    question = item.to_question()
    label = question.option_label
    return {
        "Ergänzt": ", ".join(f"„{label(c)}“" for c in question.added) or "–",
        "Ausgeblendet": ", ".join(f"„{label(c)}“" for c in question.hidden) or "–",
        **{f"Antwort {o.code}": o.label for o in question.options},
    }


def _new_code(label: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    base = LOCAL_PREFIX + (option_code(label) or "antwort")
    code, suffix = base, 2
    while code in taken:
        code = f"{base}_{suffix}"
        suffix += 1
    return code


def adapt(survey: Survey, item: SurveyItem, proposal: Proposal) -> list[str]:
    """Apply `proposal` to the options of `item` (nothing changes when a rule is broken:
    `AdaptationRefused` names every problem). Returns the codes added."""
    require_draft(survey)
    if not adaptable(item):
        raise SurveyError("Bei dieser Frage lassen sich die Antworten nicht anpassen (nur Auswahlfragen aus dem "
                          "Katalog; Skalen bleiben, wie sie sind).")
    problems = _problems(survey, item, proposal)
    if problems:
        raise AdaptationRefused(problems)
    before = _summary(item)
    definition = copy.deepcopy(item.definition)
    if proposal.removed:
        definition["options"] = [o for o in definition.get("options", []) if o["code"] not in proposal.removed]
        definition["added"] = [c for c in definition.get("added") or () if c not in proposal.removed]
        item.definition = definition
    apply_wording(item, item.prompt, item.definition.get("help", ""), proposal.labels)
    definition = copy.deepcopy(item.definition)
    options = definition.get("options", [])
    codes = [o["code"] for o in options]
    place = codes.index(proposal.after) + 1 if proposal.after in codes else len(codes)
    new = []
    for label in proposal.new_labels:
        code = _new_code(label, codes)
        codes.append(code)
        new.append(code)
        options.insert(place, {"code": code, "label": label})
        place += 1
    codes = [o["code"] for o in options]
    definition["added"] = [*(definition.get("added") or ()), *new]
    definition["hidden"] = [c for c in codes if c in proposal.hidden]
    item.definition = definition  # a new dict, so the JSON column sees the change
    db.session.flush()
    old, after = audit.changed_fields(before, _summary(item))
    if after:
        audit.record(survey.kommune_id, "survey.options", f"Antworten der Frage „{item.prompt}“ angepasst",
                     obj=survey, survey_id=survey.id, before=old, after=after)
    return new


def carried(old: Mapping[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`new` (a newer catalogue version's definition) with the adaptation of `old`: its added options
    appended (unless the new version has the code) and its hidden codes that still exist. An added option
    whose label the new version now has itself (say "Stadtbezirk") stays known but hidden, so respondents
    do not read it twice."""
    new = copy.deepcopy(new)
    added_codes = list(old.get("added") or ())
    codes = {o["code"] for o in new.get("options", [])}
    catalogue_labels = {_key(o["label"]) for o in new.get("options", [])}
    hidden = [c for c in old.get("hidden") or () if c in codes]
    for option in old.get("options", []):
        if option["code"] in added_codes and option["code"] not in codes:
            new.setdefault("options", []).append(dict(option))
            codes.add(option["code"])
            if _key(option["label"]) in catalogue_labels and option["code"] not in hidden:
                hidden.append(option["code"])
    new["added"] = [c for c in added_codes if c in codes]
    new["hidden"] = hidden
    return new
