"""Answering: drafts saved exactly as typed, pages, conflicts between tabs, and submitting.

The draft (`Response.draft`) holds the raw form fields (name -> list of strings) of every page
the respondent has saved. Saving a page replaces only that page's fields. Typed answers are
computed from the draft on submit; until then nothing typed is ever thrown away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from questionnaires import fieldnames as names
from questionnaires import formatting as fmt
from questionnaires.conditions import visible
from questionnaires.kinds import (
    ENTRIES,
    KINDS,
    PARTNER_ACTOR,
    PARTNER_NAME,
    Parsed,
    field_name,
    is_empty,
    with_other,
)
from questionnaires.model import Question

from .. import link_keys
from ..extensions import db
from ..models import Actor, Invitation, InvitationStatus, OutboxMessage, Response, utc_now
from . import behalf, invitations, outbox, register_prefill, waves
from .invitations import (
    current_token,
)
from .survey_pages import pages_with_questions

LINK_RESEND_INTERVAL = dt.timedelta(minutes=10)


def has_entries(question: Question) -> bool:
    """True for questions whose entries are edited one at a time on their own sub-page, never
    through the page form (the kind's family `ENTRIES`)."""
    return KINDS[question.kind].family == ENTRIES


def belongs_to(name: str, question: Question) -> bool:
    """True when the form field `name` carries (part of) the answer to `question`."""
    return name == question.key or name.startswith(question.key + "/")


def page_fields(raw: Mapping[str, list[str]], questions: list[Question]) -> dict[str, list[str]]:
    """The posted fields that belong to `questions`, exactly as typed (entry kinds excluded).

    Entries of repeatable groups and partner rosters are saved through their own sub-page, so a
    page form (which does not carry them) never replaces or wipes them.
    """
    form_questions = [q for q in questions if not has_entries(q)]
    return {
        name: [str(v) for v in values]
        for name, values in raw.items()
        if any(belongs_to(name, q) for q in form_questions)
    }


def entry_prefix(question: Question, number: int) -> str:
    return f"{question.key}/{number}/"


def entry_fields(raw: Mapping[str, list[str]], question: Question, number: int) -> dict[str, list[str]]:
    """The fields of entry `number` of a group or partner roster, exactly as typed."""
    prefix = entry_prefix(question, number)
    return {name: [str(v) for v in values] for name, values in raw.items() if name.startswith(prefix)}


def entry_numbers(raw: Mapping[str, list[str]], question: Question) -> list[int]:
    """The entry numbers present in the draft, ascending."""
    return names.entry_numbers(raw, question.key)


def next_entry_number(raw: Mapping[str, list[str]], question: Question) -> int:
    numbers = entry_numbers(raw, question)
    return numbers[-1] + 1 if numbers else 0


def parse(questions: list[Question], raw: Mapping[str, list[str]]) -> Parsed:
    """Typed values and messages for the questions shown, given the raw answers."""
    result = Parsed()
    for question in questions:
        kind = KINDS[question.kind]
        if not kind.answerable:
            continue
        parsed = kind.parse(question, raw, question.key)
        result.values.update(parsed.values)
        result.errors.update(parsed.errors)
    return result


def start(invitation: Invitation, opened: bool = True) -> Response:
    """The invitation's response, created (and the invitation marked opened) on first visit.

    `opened=False`: a planner entering answers on behalf creates it — the organisation has not opened its link."""
    response = db.session.query(Response).filter_by(invitation_id=invitation.id).one_or_none()
    if response is None:
        # A follow-up wave starts with the organisation's answers to the previous wave (see waves).
        questions = [q for _page, qs in pages_with_questions(invitation.survey) for q in qs]
        draft = register_prefill.prefill(invitation, questions, waves.prefill(invitation, questions))
        response = Response(survey_id=invitation.survey_id, invitation_id=invitation.id, draft=draft)
        db.session.add(response)
        if not opened:
            db.session.flush()
            return response
        if invitation.opened_at is None:
            invitation.opened_at = utc_now()
        # Opening the link proves the mail arrived (even one marked unzustellbar), and an organisation
        # marked "nimmt nicht teil" that starts after all is answering.
        if invitation.status in (InvitationStatus.CREATED, InvitationStatus.SENT, InvitationStatus.FAILED,
                                 InvitationStatus.BOUNCED, InvitationStatus.DECLINED):
            invitation.status = InvitationStatus.OPENED
        db.session.flush()
    return response


@dataclass
class Difference:
    """One answer whose stored value differs from what a stale tab posted."""

    label: str
    saved: str
    posted: str


@dataclass
class SaveResult:
    saved: bool
    conflict: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    # Fields beyond their kind's limit, not stored: message per question (or entry field) and the
    # posted values, so the page shows them back with the limit.
    refused: dict[str, str] = field(default_factory=dict)
    refused_fields: dict[str, list[str]] = field(default_factory=dict)


def within_limits(questions: Iterable[Question], fields: Mapping[str, list[str]], prefix: str = ""
                  ) -> tuple[dict[str, list[str]], dict[str, str], dict[str, list[str]]]:
    """Split posted fields by their kinds' limits: (fields to store, message per question key —
    or per entry field name under `prefix` — and the refused fields as posted). Fields that belong
    to none of the questions' known fields are dropped (a form of ours never posts them)."""
    refused: dict[str, str] = {}
    refused_fields: dict[str, list[str]] = {}
    dropped: set[str] = set()
    for question in questions:
        kind = KINDS[question.kind]
        if not kind.answerable:
            continue
        name = prefix + field_name(question) if prefix else question.key
        over, unknown = kind.over_limit(question, fields, name)
        dropped.update(unknown)
        for field_key, message in over.items():
            refused.setdefault(name, message)
            refused_fields[field_key] = list(fields[field_key])
    kept = {n: v for n, v in fields.items() if n not in refused_fields and n not in dropped}
    return kept, refused, refused_fields


def _cut_messages(refused: dict[str, str], refused_fields: Mapping[str, list[str]],
                  cut: Mapping[str, int]) -> None:
    """A value cut off while the post was read (far beyond any limit): say how much arrived."""
    for name, length in cut.items():
        if name in refused_fields:
            owner = next((key for key in refused if name == key or name.startswith(key + "/")), None)
            if owner is not None:
                refused[owner] += (f" Ihr Text war mit etwa {fmt.number(length)} Zeichen viel zu lang; hier steht "
                                   "nur sein Anfang.")


def fingerprint(fields: Mapping[str, list[str]]) -> str:
    """A short digest of saved answers; a form carries the one it was rendered from (`_base`)."""
    data = json.dumps(_meaningful(fields), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def page_fingerprint(draft: Mapping[str, list[str]], questions: list[Question]) -> str:
    return fingerprint(page_fields(draft, questions))


def entry_fingerprint(draft: Mapping[str, list[str]], question: Question, number: int) -> str:
    return fingerprint(entry_fields(draft, question, number))


def _changed_since(saved: Mapping[str, list[str]], base: str | None, base_revision: int | None,
                   response: Response) -> bool:
    """Did another tab change these answers since the form was rendered?

    With the form's fingerprint of the answers it showed (`base`) the check is exact: a save from
    another tab to a different page is no conflict. Without it, any newer revision counts.
    """
    if base:
        return fingerprint(saved) != base
    return base_revision is not None and base_revision != response.revision


def _store(response: Response, drop: Callable[[str], bool], fields: Mapping[str, list[str]],
           resume_page: int | None) -> None:
    """Replace the draft fields selected by `drop` with `fields` and record the save."""
    draft = {n: v for n, v in response.draft.items() if not drop(n)}
    draft.update(fields)
    response.draft = draft
    if resume_page is not None:
        response.current_page = resume_page
    response.saved_at = utc_now()
    invitation = response.invitation
    invitation.last_saved_at = response.saved_at
    if invitation.status is not InvitationStatus.SUBMITTED:
        invitation.status = InvitationStatus.IN_PROGRESS
    behalf.noted(response)  # a planner entering on behalf: marked and recorded
    db.session.flush()


def save_page(response: Response, page_questions: list[Question], raw: Mapping[str, list[str]],
              page_index: int, base_revision: int | None, force: bool = False,
              resume_page: int | None = None, base: str | None = None,
              cut: Mapping[str, int] | None = None) -> SaveResult:
    """Store the page's raw fields in the draft; refuse (conflict) if the draft changed meanwhile.

    `base_revision` is the draft revision the page was rendered from. A different current revision
    means another tab or device saved in between; when that would change an answer on this page the
    save is refused with the differences, and the second save (`force`) wins. A missing revision (a
    form from before a deploy, a hand-made post) is treated like a current one: it never costs input.
    `resume_page` is where the respondent continues next time (default: this page).
    Fields beyond their kind's limit are not stored (the rest is): `refused` says why, per question.
    `cut` names fields the request reader cut off (their length as received).
    """
    if response.is_submitted:
        return SaveResult(saved=False)
    form_questions = [q for q in page_questions if not has_entries(q)]
    fields, refused, refused_fields = within_limits(form_questions, page_fields(raw, page_questions))
    _cut_messages(refused, refused_fields, cut or {})
    old = page_fields(response.draft, page_questions)
    if not force and _changed_since(old, base, base_revision, response):
        differences = differing(form_questions, old, fields)
        if differences:
            return SaveResult(saved=False, conflict=True, differences=differences)
    # A refused field keeps its saved value (if any): only what fits replaces the draft.
    _store(response, lambda n: any(belongs_to(n, q) for q in form_questions) and n not in refused_fields, fields,
           page_index if resume_page is None else resume_page)
    return SaveResult(saved=True, errors=parse(form_questions, fields).errors, refused=refused,
                      refused_fields=refused_fields)


def save_entry(response: Response, question: Question, number: int, raw: Mapping[str, list[str]],
               page_index: int, base_revision: int | None, force: bool = False, base: str | None = None,
               cut: Mapping[str, int] | None = None) -> SaveResult:
    """Store one entry of a group or partner roster (its sub-page), with the same conflict rule and
    the same limits as a page (over-limit fields are refused, per entry field)."""
    if response.is_submitted:
        return SaveResult(saved=False)
    prefix = entry_prefix(question, number)
    fields, refused, refused_fields = _entry_within_limits(question, entry_fields(raw, question, number), prefix)
    _cut_messages(refused, refused_fields, cut or {})
    old = entry_fields(response.draft, question, number)
    if not force and _changed_since(old, base, base_revision, response):
        differences = differing(question.fields, old, fields, prefix=prefix,
                                extra=_roster_labels(question))
        if differences:
            return SaveResult(saved=False, conflict=True, differences=differences)
    _store(response, lambda n: n.startswith(prefix) and n not in refused_fields, fields, page_index)
    _checked(response, question, number)
    errors = KINDS[question.kind].parse(question, fields, question.key).errors if fields else {}
    return SaveResult(saved=True, errors=errors, refused=refused, refused_fields=refused_fields)


def _entry_within_limits(question: Question, fields: Mapping[str, list[str]], prefix: str
                         ) -> tuple[dict[str, list[str]], dict[str, str], dict[str, list[str]]]:
    """`within_limits` for one entry: messages keyed by the entry field's name (`<key>/<n>/<field>`)."""
    kind = KINDS[question.kind]
    over, unknown = kind.over_limit(question, fields, question.key)
    refused: dict[str, str] = {}
    refused_fields: dict[str, list[str]] = {}
    for name, message in over.items():
        short = name[len(prefix):].split("/", 1)[0]
        refused.setdefault(prefix + short, message)
        refused_fields[name] = list(fields[name])
    kept = {n: v for n, v in fields.items() if n not in refused_fields and n not in unknown}
    return kept, refused, refused_fields


def _checked(response: Response, question: Question, number: int, forget: bool = False) -> None:
    """A pre-filled entry was looked at (saved, confirmed, marked ended) or removed (`forget`)."""
    names = [waves.open_key(question.key)] + ([waves.entries_key(question.key)] if forget else [])
    if not any(str(number) in response.draft.get(name, []) for name in names):
        return
    draft = dict(response.draft)
    for name in names:
        if name in draft:
            draft[name] = [n for n in draft[name] if n != str(number)]
    response.draft = draft
    db.session.flush()


def confirm_entry(response: Response, question: Question, number: int, page_index: int, ended: bool = False) -> None:
    """A pre-filled entry stays as it is ("unverändert") or is marked as ended ("beendet")."""
    if response.is_submitted or number not in entry_numbers(response.draft, question):
        return
    fields: dict[str, list[str]] = {}
    if waves.has_status(question):
        fields[f"{entry_prefix(question, number)}{waves.STATUS}"] = [waves.ENDED if ended else waves.RUNNING]
    _store(response, lambda n: n in fields, fields, page_index)
    _checked(response, question, number)


def confirm_page(response: Response, page_questions: list[Question], page_number: int) -> None:
    """"Seite unverändert bestätigen": every pre-filled entry still open counts as unchanged."""
    for question in page_questions:
        if not has_entries(question):
            continue
        for number in [int(n) for n in response.draft.get(waves.open_key(question.key), []) if n.isdigit()]:
            confirm_entry(response, question, number, page_number - 1)
    pages = response.draft.get(waves.PAGES, [])
    if str(page_number) not in pages:
        response.draft = {**response.draft, waves.PAGES: [*pages, str(page_number)]}
        behalf.noted(response)
        db.session.flush()


def remove_entry(response: Response, question: Question, number: int, page_index: int) -> dict[str, list[str]]:
    """Remove entry `number`; returns its fields (so the page can offer to restore them)."""
    prefix = entry_prefix(question, number)
    removed = entry_fields(response.draft, question, number)
    _store(response, lambda n: n.startswith(prefix), {}, page_index)
    _checked(response, question, number, forget=True)
    return removed


def restore_entry(response: Response, question: Question, fields: Mapping[str, list[str]],
                  page_index: int) -> int:
    """Put back a removed entry's fields under a new entry number; returns that number."""
    return _copy_entry(response, question, fields, page_index)


def duplicate_entry(response: Response, question: Question, number: int, page_index: int) -> int:
    """Copy entry `number` to a new entry at the end; returns the new entry's number."""
    return _copy_entry(response, question, entry_fields(response.draft, question, number), page_index,
                       source=number)


def _copy_entry(response: Response, question: Question, fields: Mapping[str, list[str]], page_index: int,
                source: int | None = None) -> int:
    new = next_entry_number(response.draft, question)
    pattern = re.compile(re.escape(question.key) + r"/\d+/")
    copied = {pattern.sub(entry_prefix(question, new), name, count=1): list(values) for name, values in fields.items()}
    if source is not None and not KINDS[question.kind].partners and question.fields:
        # Mark the copy so the two entries can be told apart in the list.
        first_name = f"{entry_prefix(question, new)}{field_name(question.fields[0])}"
        if KINDS[question.fields[0].kind].names_entry and copied.get(first_name, [""])[0].strip():
            copied[first_name] = [copied[first_name][0] + " (Kopie)"]
    _store(response, lambda n: False, copied, page_index)
    return new


def _roster_labels(question: Question) -> dict[str, str]:
    if not KINDS[question.kind].partners:
        return {}
    return {PARTNER_NAME: "Name der Organisation", PARTNER_ACTOR: "Organisation aus der Liste"}


def differing(questions: Iterable[Question], old: Mapping[str, list[str]], new: Mapping[str, list[str]],
              prefix: str = "", extra: Mapping[str, str] | None = None) -> list[Difference]:
    """The answers whose saved raw value differs from the posted one, as the respondent reads them."""
    differences = []
    for short, label in (extra or {}).items():
        name = prefix + short
        if _meaningful({name: old.get(name, [])}) != _meaningful({name: new.get(name, [])}):
            differences.append(Difference(label, _text(old.get(name, [])), _text(new.get(name, []))))
    for question in questions:
        name = prefix + field_name(question) if prefix else question.key
        mine = {n: v for n, v in old.items() if n == name or n.startswith(name + "/")}
        theirs = {n: v for n, v in new.items() if n == name or n.startswith(name + "/")}
        if _meaningful(mine) != _meaningful(theirs):
            differences.append(Difference(question.prompt, _shown(question, mine, name),
                                          _shown(question, theirs, name)))
    return differences


def _text(values: list[str]) -> str:
    return ", ".join(v for v in values if v.strip()) or "–"


def _shown(question: Question, raw: Mapping[str, list[str]], name: str) -> str:
    """An answer as text: the typed value when it can be read, else exactly what was typed."""
    kind = KINDS[question.kind]
    parsed = kind.parse(question, raw, name)
    if parsed.errors:
        return "; ".join(_text(v) for v in raw.values()) or "–"
    text = kind.display(question, parsed.values.get(question.key))
    return with_other(text, parsed.values.get(names.other(question.key)))


def _meaningful(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {n: [v for v in vs if v.strip()] for n, vs in fields.items() if any(v.strip() for v in vs)}


def all_questions(response: Response) -> list[Question]:
    return [q for _page, questions in pages_with_questions(response.invitation.survey) for q in questions]


def shown_questions(questions: list[Question], draft: Mapping[str, list[str]]) -> list[Question]:
    """The questions whose conditions the draft's answers meet."""
    values = parse(questions, draft).values
    return visible(questions, values)


def missing_required(questions: list[Question], values: Mapping[str, Any]) -> dict[str, str]:
    return {
        q.key: "Bitte beantworten Sie diese Frage."
        for q in questions
        if q.required and KINDS[q.kind].answerable and KINDS[q.kind].is_empty(values.get(q.key))
    }


def too_many_entries(questions: list[Question], raw: Mapping[str, list[str]]) -> dict[str, str]:
    """Groups with more entries than the survey allows (never cut off silently on submit)."""
    messages = {}
    for q in questions:
        if has_entries(q) and q.max_entries:
            kept = len([n for n in entry_numbers(raw, q)
                        if any(any(v.strip() for v in vs) for vs in entry_fields(raw, q, n).values())])
            if kept > q.max_entries:
                messages[q.key] = f"Bitte höchstens {q.max_entries} Einträge angeben (jetzt: {kept})."
    return messages


def submit(response: Response) -> dict[str, str]:
    """Write the typed answers and mark the response submitted; returns messages if not possible."""
    if response.is_submitted:
        return {}
    questions = shown_questions(all_questions(response), response.draft)
    parsed = parse(questions, response.draft)
    errors = {**missing_required(questions, parsed.values), **parsed.errors,
              **too_many_entries(questions, response.draft)}
    if errors:
        return errors
    response.answers = {k: v for k, v in parsed.values.items() if not is_empty(v)}
    response.submitted_at = utc_now()
    invitation = response.invitation
    invitation.status = InvitationStatus.SUBMITTED
    invitation.submitted_at = response.submitted_at
    behalf.submitted(response)  # a planner entering on behalf: marked and recorded
    db.session.flush()
    return {}


def reopen(response: Response) -> None:
    """Make a submitted response editable again (the planner does this on the respondent's request).

    The draft was never discarded, so the respondent finds every answer as submitted; the typed
    answers are cleared until the next submit so results only count submitted responses.
    """
    if not response.is_submitted:
        return
    response.submitted_at = None
    response.answers = None
    invitation = response.invitation
    invitation.submitted_at = None
    invitation.status = InvitationStatus.IN_PROGRESS
    invitations.log(invitation, "answers.changed", "Abgeschickte Antwort wieder geöffnet")
    db.session.flush()


def link_resend_wait(invitation: Invitation, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long until the link may be mailed again (None: now); at most once per interval."""
    now = now or utc_now()
    last = db.session.scalar(
        sa.select(sa.func.max(OutboxMessage.created_at)).where(
            OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "link"
        )
    )
    if last is None:
        return None
    if last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    wait = last + LINK_RESEND_INTERVAL - now
    return wait if wait > dt.timedelta(0) else None


def send_link(invitation: Invitation, token: str) -> dt.timedelta | None:
    """Mail the respondent link again, only to the invited address; returns the wait if too soon."""
    wait = link_resend_wait(invitation)
    if wait is not None:
        return wait
    survey = invitation.survey
    if current_token(invitation) != token:  # sealed before the keyring had it (or under a lost key)
        invitation.token_sealed = link_keys.seal(token)
    # The worker puts the invitation's link in when it sends the mail (no token in the outbox).
    outbox.enqueue("link", invitation.email, "link", reply_to=survey.contact_email, invitation_id=invitation.id,
                   survey=survey, invitation=invitation, link=link_keys.LINK_PLACEHOLDER)
    return None


def actors_of(kommune_id: int) -> list[Actor]:
    """The Kommune's active actors, by name (the partner roster's list)."""
    return list(db.session.scalars(
        sa.select(Actor).where(Actor.kommune_id == kommune_id, Actor.active.is_(True)).order_by(Actor.name)
    ))


def filter_actors(actors: list[Actor], search: str = "", sector: str = "", district: str = "") -> list[Actor]:
    """Actors whose name contains every word of `search`, in `sector` and `district` (if given)."""
    words = search.casefold().split()
    return [
        a for a in actors
        if all(w in a.name.casefold() for w in words)
        and (not sector or a.sector == sector)
        and (not district or district in (a.districts or []))
    ]


def add_partners(response: Response, question: Question, partners: list[tuple[str, str]], page_index: int) -> int:
    """Add partners (actor code or "", name) to a roster, skipping actors already chosen; returns how many."""
    chosen = {v[0] for n, v in response.draft.items()
              if n.startswith(question.key + "/") and n.endswith("/actor") and v and v[0]}
    names = {v[0].strip().casefold() for n, v in response.draft.items()
             if n.startswith(question.key + "/") and n.endswith("/name") and v and v[0].strip()}
    fields: dict[str, list[str]] = {}
    number = next_entry_number(response.draft, question)
    for code, name in partners:
        if (code and code in chosen) or (not code and name.casefold() in names):
            continue
        prefix = entry_prefix(question, number)
        fields[prefix + "actor"] = [code]
        fields[prefix + "name"] = [name]
        chosen.add(code)
        names.add(name.casefold())
        number += 1
    if fields:
        _store(response, lambda n: False, fields, page_index)
    return len(fields) // 2
