"""Survey waves: a follow-up survey repeats an earlier one and its answers are pre-filled (comparing
the waves of a series is `wave_results`).

A wave points to the survey it repeats (`Survey.previous_id`); the chain of these links is a
series. Creating a follow-up copies the survey (pages, questions, settings, mail texts), updates
catalogue questions to their newest version only where the planner agrees, and prepares
invitations for the same organisations (current register addresses; the old address for
organisations without register entry). Opening the wave queues the prepared invitations
(`invitations.send_prepared`).

Pre-fill: on first start of a wave, an organisation that submitted the previous wave (same actor,
else same address) gets a draft built from its typed answers (`Kind.to_raw` in `questionnaires.kinds`).
What was taken over is recorded in the draft itself under keys starting with `_welle/` (no form
field starts with "_", so saving a page never touches them and parsing ignores them):

- `_welle/quelle`: the previous wave's title (for "aus der Befragung … übernommen");
- `_welle/uebernommen`: keys of questions pre-filled; `_welle/geaendert`: keys left empty because
  the old answer does not fit the current options;
- `_welle/eintraege/<key>`: entry numbers pre-filled in a group or roster; `_welle/offen/<key>`:
  those not yet checked (confirmed, edited or marked ended); `_welle/geaendert/<key>/<n>`: fields
  of entry n left empty for the same reason;
- `_welle/seiten`: page numbers confirmed as unchanged.

The previous wave's rows are only read, never written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from analysis.waves.coverage import (
    is_ended,
)
from questionnaires import formatting as fmt
from questionnaires.conditions import condition_refs, offered_codes
from questionnaires.kinds import ENTRIES, KINDS, field_name
from questionnaires.model import Catalogue, Question
from questionnaires.serialize import question_from_dict, question_to_dict

from ..extensions import db
from ..models import Actor, Invitation, InvitationStatus, Response, Survey, SurveyItem, User
from . import invitations as invitation_service
from . import option_adaptation
from .surveys import SurveyError, copy_survey

META = "_welle/"
SOURCE = META + "quelle"
TAKEN = META + "uebernommen"
CHANGED = META + "geaendert"
PAGES = META + "seiten"
STATUS = "status"
RUNNING, ENDED = "laeuft", "beendet"


def entries_key(key: str) -> str:
    return f"{META}eintraege/{key}"


def open_key(key: str) -> str:
    return f"{META}offen/{key}"


def entry_changed_key(key: str, number: int) -> str:
    return f"{META}geaendert/{key}/{number}"


# --- series -----------------------------------------------------------------------------------------


def series_of(survey: Survey) -> list[Survey]:
    """The waves of `survey`'s series, oldest first: its predecessors, itself, and its follow-ups
    (the newest follow-up of each wave, when a wave was repeated more than once)."""
    chain = [survey]
    seen = {survey.id}
    current = survey
    while current.previous_id is not None:
        previous = db.session.get(Survey, current.previous_id)
        if previous is None or previous.kommune_id != survey.kommune_id or previous.id in seen:
            break
        chain.insert(0, previous)
        seen.add(previous.id)
        current = previous
    current = survey
    while True:
        follow = db.session.scalar(sa.select(Survey).where(
            Survey.previous_id == current.id, Survey.kommune_id == survey.kommune_id).order_by(Survey.id.desc()))
        if follow is None or follow.id in seen:
            break
        chain.append(follow)
        seen.add(follow.id)
        current = follow
    return chain


def follow_ups(survey: Survey) -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).where(
        Survey.previous_id == survey.id, Survey.kommune_id == survey.kommune_id).order_by(Survey.id)))


_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def wave_labels(surveys: Sequence[Survey]) -> list[str]:
    """A short label per wave: the year in its title (else the year it opened); the title where
    two waves would get the same label."""
    labels = []
    for survey in surveys:
        match = list(_YEAR.finditer(survey.title))
        if match:
            labels.append(match[-1].group(0))
        else:
            when = survey.opened_at or survey.created_at
            labels.append(str(when.year) if when else survey.title)
    if len(set(labels)) < len(labels):
        labels = [s.title[:40] for s in surveys]
    if len(set(labels)) < len(labels):
        labels = [f"{s.title[:34]} (#{s.id})" for s in surveys]
    return labels


def suggest_title(source: Survey, today: dt.date | None = None) -> str:
    """The source title with its year moved on ("… 2025" → "… 2026"), or the current year added."""
    year = (today or dt.datetime.now(fmt.BERLIN).date()).year
    matches = list(_YEAR.finditer(source.title))
    if matches:
        last = matches[-1]
        old = int(last.group(0))
        new = year if year > old else old + 1
        return (source.title[:last.start()] + str(new) + source.title[last.end():])[:300]
    return f"{source.title} {year}"[:300]


# --- creating a follow-up -----------------------------------------------------------------------------


@dataclass
class QuestionUpdate:
    """A catalogue question of the survey whose catalogue version is newer, with what changed."""

    item: SurveyItem
    question: Question  # the newest catalogue version
    differences: list[str]


def _options_text(old: Sequence[Any], new: Sequence[Any], what: str) -> list[str]:
    before = {o.code: o.label for o in old}
    after = {o.code: o.label for o in new}
    lines = []
    for code, label in after.items():
        if code not in before:
            lines.append(f"{what} neu: „{label}“")
        elif before[code] != label:
            lines.append(f"{what} umbenannt: „{before[code]}“ → „{label}“")
    for code, label in before.items():
        if code not in after:
            lines.append(f"{what} entfällt: „{label}“ (frühere Antworten damit werden nicht übernommen)")
    return lines


def differences(old: Question, new: Question) -> list[str]:
    """What changed between two versions of a question, in German, one line each."""
    lines = []
    if old.prompt != new.prompt:
        lines.append(f"Fragetext: „{old.prompt}“ → „{new.prompt}“")
    if (old.help or "") != (new.help or ""):
        lines.append(f"Hinweis: „{old.help or '–'}“ → „{new.help or '–'}“")
    if old.kind != new.kind:
        lines.append(f"Art der Frage: {KINDS[old.kind].label} → {KINDS[new.kind].label}")
    if not KINDS[old.kind].districts:
        lines += _options_text(old.options, new.options, "Antwort")
    lines += _options_text(old.items, new.items, "Zeile")
    if old.other != new.other:
        lines.append("„Sonstiges“ mit Textfeld " + ("neu" if new.other else "entfällt"))
    before = {field_name(f): f for f in old.fields}
    after = {field_name(f): f for f in new.fields}
    for short, sub in after.items():
        if short not in before:
            lines.append(f"Neue Angabe je Eintrag: „{sub.prompt}“")
        else:
            lines += [f"„{sub.prompt}“: {line}" for line in differences(before[short], sub)]
    for short, sub in before.items():
        if short not in after:
            lines.append(f"Angabe je Eintrag entfällt: „{sub.prompt}“")
    return lines or ["Nur interne Änderungen (gleicher Wortlaut)."]


def question_updates(source: Survey, catalogue: Catalogue) -> list[QuestionUpdate]:
    """Catalogue questions of `source` with a newer catalogue version, in survey order."""
    updates = []
    for item in sorted(source.items, key=lambda i: i.position):
        newest = catalogue.get(item.key)
        if item.catalogue_version is None or newest is None or newest.version <= item.catalogue_version:
            continue
        old = question_from_dict(item.definition)
        # Options the survey added are carried into the new version (`option_adaptation.carried`).
        old = dataclasses.replace(old, prompt=item.prompt,
                                  options=tuple(o for o in old.options if o.code not in old.added))
        updates.append(QuestionUpdate(item, newest, differences(old, newest)))
    for update in updates:  # the conditions a newer version would break
        update.differences += _conditions_hit(source, update.item, update.question)
    return updates


def _conditions_hit(source: Survey, item: SurveyItem, newest: Question) -> list[str]:
    """Conditions of `source` that name an answer of `item` which its newest version no longer has."""
    lines = []
    old = question_from_dict(item.definition)
    for other in source.items:
        for key, codes in condition_refs(other.to_question()):
            gone = [code for code in codes if code not in offered_codes(newest)] if key == item.key else []
            if gone:
                labels = ", ".join(f"„{old.option_label(code)}“" for code in gone)
                lines.append(f"Bedingung von „{other.prompt}“ nennt {labels}, das die neue Fassung nicht mehr hat: "
                             "mit ihr wird die Bedingung ungültig und muss vor dem Öffnen geändert werden.")
    return lines


@dataclass
class PlannedInvitation:
    """Who the follow-up will invite, and from where the address comes."""

    email: str
    organisation: str
    contact_name: str
    actor: Actor | None
    note: str = ""


@dataclass
class InvitationPlan:
    planned: list[PlannedInvitation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # German reasons


def invitation_plan(source: Survey) -> InvitationPlan:
    """The organisations of `source` (not withdrawn), with their current register address."""
    plan = InvitationPlan()
    seen: set[str] = set()
    rows = db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == source.id, Invitation.test.is_(False))
                              .order_by(sa.func.lower(Invitation.organisation), Invitation.id))
    for old in rows:
        name = old.organisation or old.email
        if old.status is InvitationStatus.WITHDRAWN:
            plan.skipped.append(f"{name}: Die Einladung war zurückgezogen.")
            continue
        actor = db.session.get(Actor, old.actor_id) if old.actor_id else None
        if actor is not None and actor.kommune_id != source.kommune_id:
            actor = None
        if actor is not None and not actor.active:
            plan.skipped.append(f"{actor.name}: im Akteursverzeichnis nicht mehr aktiv.")
            continue
        if actor is not None and actor.email:
            email, note = actor.email.strip().lower(), ""
            if email != old.email.lower():
                note = f"neue Adresse aus dem Akteursverzeichnis (bisher {old.email})"
            planned = PlannedInvitation(email, actor.name, actor.contact_name or old.contact_name, actor, note)
        else:
            note = "bisherige Adresse (kein Eintrag im Akteursverzeichnis)" if actor is None else \
                "bisherige Adresse (im Akteursverzeichnis ohne E-Mail)"
            planned = PlannedInvitation(old.email.lower(), old.organisation, old.contact_name, actor, note)
        if not planned.email:  # the old address was deleted (retention) and the register has none
            plan.skipped.append(f"{name or 'Eine Organisation'}: keine Adresse mehr (Kontaktdaten der Befragung "
                                "gelöscht, im Akteursverzeichnis ohne E-Mail).")
            continue
        if planned.email in seen:
            continue
        seen.add(planned.email)
        plan.planned.append(planned)
    return plan


@dataclass
class FollowUp:
    survey: Survey
    updated: list[str]  # prompts of questions updated to the newest catalogue version
    invited: int
    problems: list[str]


def create_follow_up(source: Survey, creator: User | None, catalogue: Catalogue, title: str,
                     update_keys: Iterable[str] = ()) -> FollowUp:
    """The next wave of `source`: a draft copy linked by `previous_id`, chosen questions updated to
    the newest catalogue version, invitations prepared for the same organisations."""
    if source.is_draft:
        raise SurveyError("Eine Folgebefragung kann erst angelegt werden, wenn die Befragung geöffnet oder "
                          "abgeschlossen ist.")
    title = title.strip()
    if not title:
        raise SurveyError("Bitte geben Sie der Folgebefragung einen Titel.")
    chosen = set(update_keys)
    updates = {u.item.key: u for u in question_updates(source, catalogue)}
    survey = copy_survey(source, creator, title=title, previous=source)
    updated = []
    for item in survey.items:
        update = updates.get(item.key)
        if update is None or item.key not in chosen:
            continue
        # a condition set in the builder stays with the newer version (services/conditions)
        kept = {name: item.definition.get(name) for name in ("condition", "condition_set")
                if item.definition.get("condition_set")}
        newest = update.question
        item.definition = option_adaptation.carried(item.definition, question_to_dict(newest))
        item.catalogue_version = newest.version
        item.kind = newest.kind
        item.prompt = newest.prompt
        item.modified = False
        if kept:
            item.definition = {**item.definition, **kept}
        updated.append(newest.prompt)
    db.session.flush()
    plan = invitation_plan(source)
    problems = list(plan.skipped)
    invited = 0
    for planned in plan.planned:
        try:
            invitation_service.prepare(survey, planned.email, planned.organisation, planned.contact_name,
                                       planned.actor)
        except SurveyError as error:
            problems.append(f"{planned.organisation or planned.email}: {error}")
        else:
            invited += 1
    return FollowUp(survey, updated, invited, problems)


# --- pre-fill ---------------------------------------------------------------------------------------


def previous_response(invitation: Invitation) -> Response | None:
    """The submitted response of the same organisation (actor, else address) to the previous wave."""
    survey = invitation.survey
    if survey.previous_id is None:
        return None
    base = (sa.select(Response).join(Invitation, Response.invitation_id == Invitation.id)
            .where(Invitation.survey_id == survey.previous_id, Response.submitted_at.is_not(None))
            .order_by(Response.submitted_at.desc()).limit(1))
    if invitation.actor_id is not None:
        found = db.session.scalar(base.where(Invitation.actor_id == invitation.actor_id))
        if found is not None:
            return found
    if not invitation.email:  # a deleted address matches nothing (retention clears it to "")
        return None
    return db.session.scalar(base.where(sa.func.lower(Invitation.email) == invitation.email.lower()))


def prefill_draft(questions: Sequence[Question], answers: Mapping[str, Any], source: str) -> dict[str, list[str]]:
    """A raw draft from the typed answers of the previous wave, with the marks described above."""
    draft: dict[str, list[str]] = {}
    taken, changed = [], []
    for question in questions:
        kind = KINDS[question.kind]
        value = answers.get(question.key)
        if not kind.answerable or question.key not in answers or kind.is_empty(value):
            continue
        if kind.family == ENTRIES:
            if not kind.partners:  # an offer ended in the previous wave is gone, nothing to confirm
                value = [e for e in value or () if not (isinstance(e, Mapping) and is_ended(e))]
            entries = kind.to_raw(question, value, question.key, answers)
            draft.update(entries.raw)
            for number, unfit in entries.unfit.items():
                draft[entry_changed_key(question.key, number)] = unfit
            if entries.entries:
                numbers = [str(n) for n in range(entries.entries)]
                draft[entries_key(question.key)] = numbers
                draft[open_key(question.key)] = list(numbers)
                taken.append(question.key)
            continue
        result = kind.to_raw(question, value, question.key, answers)
        if result.clean:
            draft.update(result.raw)
            taken.append(question.key)
        else:
            changed.append(question.key)
    if not taken and not changed:
        return {}
    draft[SOURCE] = [source]
    draft[TAKEN] = taken
    draft[CHANGED] = changed
    return draft


def prefill(invitation: Invitation, questions: Sequence[Question]) -> dict[str, list[str]]:
    """The pre-filled draft for a first start of `invitation` (empty without a previous answer)."""
    previous = previous_response(invitation)
    if previous is None or not previous.answers:
        return {}
    source = db.session.get(Survey, previous.survey_id)
    return prefill_draft(questions, dict(previous.answers), source.title if source else "")


@dataclass(frozen=True)
class PrefillInfo:
    """What the respondent's draft says about pre-filled answers (for the marks on the pages)."""

    source: str
    taken: frozenset[str]
    changed: frozenset[str]
    pages: frozenset[int]

    def __bool__(self) -> bool:
        return bool(self.source)

    def on_page(self, questions: Iterable[Question]) -> bool:
        return any(q.key in self.taken or q.key in self.changed for q in questions)


def prefill_info(draft: Mapping[str, list[str]]) -> PrefillInfo:
    source = (draft.get(SOURCE) or [""])[0]
    pages = frozenset(int(p) for p in draft.get(PAGES, []) if str(p).isdigit())
    return PrefillInfo(source, frozenset(draft.get(TAKEN, [])), frozenset(draft.get(CHANGED, [])), pages)


def has_status(question: Question) -> bool:
    kind = KINDS[question.kind]
    return kind.family == ENTRIES and not kind.partners and any(field_name(f) == STATUS for f in question.fields)
