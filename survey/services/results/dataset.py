"""One survey's answers as an `analysis.Dataset` (the bridge from the database to `analysis`), the
questions of the exports and the responses streamed for row-level CSVs.

Queries are few and independent of the number of rows (invitations, responses, actors: one query
each). Drafts are parsed from their raw form data so "including drafts" shows what respondents
have typed so far. Analysts get no contact data and no names (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import current_app

from analysis import ActorRecord, Dataset, InvitationRecord, ResponseRecord, privacy
from analysis import keys as analysis_keys
from analysis.compact import Compactor
from analysis.network import normalise_name
from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS
from questionnaires.model import Option, Question

from ...extensions import db
from ...models import Actor, Invitation, Response, Survey
from .. import coding, corrections, partner_matching, pseudonyms
from .. import responses as response_service
from .filters import Filters

CONTACT_KEYS = frozenset({"akteur.ansprechperson"})

# In front of the organisation of an answer from the Probelauf (services/test_run.py) and of the
# title of a dataset holding such answers, so no table, chart or export mixes them in silently.
TEST_MARK = "[Probelauf]"


# Questions whose answer is the respondent organisation's (or its network's, its provider's) name:
# never shown to analysts, whatever the planner shares.
NAME_KEYS = frozenset({"akteur.name", "akteur.traeger", "netzwerk.name"})


def _catalogue_options(key: str) -> tuple[Option, ...]:
    question = current_app.extensions["catalogue"].get(key)
    return question.options if question else ()


def _actor_record(actor: Actor) -> ActorRecord:
    return ActorRecord(code=actor.code, name=actor.name, sector=actor.sector, provider_type=actor.provider_type,
                       districts=tuple(actor.districts or ()))


def _partner_codes(values: Mapping[str, Any]) -> set[str]:
    return {str(p.get(analysis_keys.PARTNER_ACTOR)) for p in values.get(analysis_keys.PARTNERS) or ()
            if isinstance(p, Mapping) and p.get(analysis_keys.PARTNER_ACTOR)}


def _response_query(survey_id: int, include_drafts: bool) -> sa.Select:
    """The responses of a survey by id with what a `ResponseRecord` needs from the invitation and its
    actor. Plain rows, and the raw draft only where it is needed (not submitted): half the JSON to read."""
    draft = sa.type_coerce(sa.case((Response.submitted_at.is_(None), Response.draft), else_=sa.null()), sa.JSON)
    query = (sa.select(Response.id, Response.submitted_at, Response.answers, draft, Invitation.id,
                       Invitation.email, Invitation.organisation, Actor, Response.entered_source,
                       Response.entered_by_name, Response.entered_at, Invitation.test)
             .join(Invitation, Response.invitation_id == Invitation.id)
             .outerjoin(Actor, Invitation.actor_id == Actor.id)
             .where(Response.survey_id == survey_id).order_by(Response.id))
    if not include_drafts:
        query = query.where(Response.submitted_at.isnot(None))
    return query


def _response_record(row: Sequence[Any], questions: Sequence[Question], contacts: bool,
                     compactor: Compactor | None = None,
                     partners: partner_matching.PartnerMap | None = None) -> ResponseRecord:
    """One row of `_response_query` as the analysis sees it: typed answers (parsed from the draft
    while not submitted), contact questions left out for analysts, the organisation's name from the
    invitation, else the register, else the e-mail address (planners) or "Einrichtung <n>"; an answer
    from the Probelauf (a test invitation) says so in front of the name, in every table and export.
    Partner references are read through `partners` (the planner's assignments, register merges):
    a typed name assigned to a register actor carries that actor's code; the stored answer is unchanged."""
    response_id, submitted_at, answers, raw, invitation_id, email, organisation, actor = row[:8]
    source, entered_by, entered_at = row[8:11]
    test = row[11]
    if submitted_at is not None:
        values = answers or {}
        status = analysis_keys.SUBMITTED
    else:
        shown = response_service.shown_questions(list(questions), raw or {})
        values = response_service.parse(shown, raw or {}).values
        status = analysis_keys.IN_PROGRESS
    if partners is not None:
        values = partners.values(values, [q.key for q in questions if KINDS[q.kind].partners])
    if not contacts and CONTACT_KEYS.intersection(values):
        values = {k: v for k, v in values.items() if k not in CONTACT_KEYS}
    if compactor is not None:
        values = compactor.values(values)
    fallback = email if contacts else f"Einrichtung {invitation_id}"
    name = organisation or (actor.name if actor else "") or fallback
    return ResponseRecord(
        id=response_id, status=status, submitted_at=submitted_at,
        actor=actor.code if actor else None,
        organisation=f"{TEST_MARK} {name}" if test else name,
        values=values,
        on_behalf=source or "",
        on_behalf_note=_on_behalf_note(source, entered_by, entered_at, contacts),
    )


def _on_behalf_note(source: str | None, entered_by: str | None, entered_at: Any, contacts: bool) -> str:
    """The readable export's mark of answers a planner entered: the source, for planners also who and when."""
    if not source:
        return ""
    label = analysis_keys.ON_BEHALF_SOURCES.get(source, source)
    if not contacts:
        return label
    return f"{label} ({entered_by or 'unbekannt'}, {fmt.datetime(entered_at)})" if entered_at else label


def export_questions(survey: Survey, contacts: bool) -> tuple[Question, ...]:
    """The questions of the dataset and of the row-level exports (analysts: no contact questions,
    no question asking for the organisation's name)."""
    questions = survey.questions()
    return tuple(q for q in questions if contacts or (q.key not in CONTACT_KEYS and q.key not in NAME_KEYS))


def _subject(row: Sequence[Any]) -> str:
    """Whom a response stands for, for its pseudonym: its register actor, else its address, else
    (address deleted after the survey closed) its invitation."""
    invitation_id, email, actor = row[4], row[5], row[7]
    if actor is not None:
        return pseudonyms.actor_subject(actor.code)
    return pseudonyms.address_subject(email) if email else pseudonyms.invitation_subject(invitation_id)


def _roster_entries(record: ResponseRecord, rosters: set[str]) -> Iterator[Mapping[str, Any]]:
    for key in rosters:
        for entry in record.values.get(key) or ():
            if isinstance(entry, Mapping):
                yield entry


def _pseudonymised(survey: Survey, dataset: Dataset, subjects: Mapping[int, str],
                   names: Mapping[str, str]) -> Dataset:
    """`dataset` as analysts get it (`privacy.pseudonymise`): `subjects` says whom each response
    stands for, `names` maps normalised real names (register actors, respondents) to their subject,
    so a partner typed by name that matches a known organisation gets that organisation's code."""
    rosters = {q.key for q in dataset.questions if KINDS[q.kind].partners}
    actor_codes = {a.code for a in dataset.actors} | {i.actor for i in dataset.invitations if i.actor}
    actor_codes |= {r.actor for r in dataset.responses if r.actor}
    free: dict[str, str] = {}
    for record in dataset.responses:
        for entry in _roster_entries(record, rosters):
            code = str(entry.get(analysis_keys.PARTNER_ACTOR) or "").strip()
            name = str(entry.get(analysis_keys.PARTNER_NAME) or "").strip()
            if code:
                actor_codes.add(code)
            elif name:
                normalised = normalise_name(name)
                free[normalised] = names.get(normalised) or pseudonyms.name_subject(normalised)
    codes = pseudonyms.ensure(survey, {*subjects.values(), *actor_codes, *free.values()})
    tests = {r.id for r in dataset.responses if r.organisation.startswith(TEST_MARK)}  # the code keeps the mark
    return privacy.pseudonymise(
        dataset, {rid: f"{TEST_MARK} {codes[subject]}" if rid in tests else codes[subject]
                  for rid, subject in subjects.items()},
        {code: codes[code] for code in actor_codes},
        lambda name: codes[free[normalise_name(name)]])


def _name_index(actors: Sequence[ActorRecord], named: Mapping[str, str]) -> dict[str, str]:
    """normalised name → subject: register actors, then respondents without register entry."""
    index = {normalise_name(name): subject for name, subject in named.items() if name}
    index.update({normalise_name(a.name): pseudonyms.actor_subject(a.code) for a in actors if a.name})
    return index


STREAM_CHUNK = 500


def stream_responses(survey: Survey, questions: Sequence[Question], filters: Filters,
                     contacts: bool, chunk: int = STREAM_CHUNK) -> Iterator[ResponseRecord]:
    """The responses of `filters.apply(build_dataset(survey, filters.include_drafts, contacts))`,
    read from the database `chunk` rows at a time (keyset pagination by id: no cursor stays open
    between chunks, and memory stays flat however many responses there are).

    Lazy: the queries run while the caller iterates, so a streamed response must keep the
    request context (`stream_with_context`). District, sector and provider-type filters are applied
    per chunk by `Dataset.filter` against the register, loaded once (the same rules as the page).
    """
    survey_id, kommune_id = survey.id, survey.kommune_id
    query = _response_query(survey_id, filters.include_drafts)
    filtered = bool(filters.districts or filters.sectors or filters.provider_types)

    def generate() -> Iterator[ResponseRecord]:
        register: tuple[ActorRecord, ...] = ()
        partners = partner_matching.partner_map(kommune_id)
        if filtered or not contacts:
            register = tuple(_actor_record(a) for a in db.session.scalars(
                sa.select(Actor).where(Actor.kommune_id == kommune_id)))
        last = 0
        while True:
            rows = db.session.execute(query.where(Response.id > last).limit(chunk)).all()
            if not rows:
                return
            last = rows[-1][0]
            records = tuple(_response_record(row, questions, contacts, partners=partners) for row in rows)
            if filtered:
                records = filters.apply(Dataset(questions=tuple(questions), responses=records,
                                                actors=register)).responses
            if not contacts:  # analysts: codes instead of names (the register is only for the filter)
                subjects = {row[0]: _subject(row) for row in rows}
                named = {(row[6] or ""): subjects[row[0]] for row in rows if row[7] is None}
                chunk_set = Dataset(questions=tuple(questions), responses=records)
                records = _pseudonymised(survey, chunk_set, {r.id: subjects[r.id] for r in records},
                                         _name_index(register, named)).responses
            yield from records

    return generate()


def build_dataset(survey: Survey, include_drafts: bool = True, contacts: bool = True) -> Dataset:
    """Everything the analysis needs about `survey`, read in a handful of queries.

    `contacts=False` (analysts): no e-mail address as organisation name, no contact questions.
    The actors are the invited organisations and every register actor named as a partner (the
    network counts the invited ones without any tie as isolates).
    """
    questions = list(export_questions(survey, contacts))
    invitation_rows = db.session.execute(
        sa.select(Invitation, Actor).outerjoin(Actor, Invitation.actor_id == Actor.id)
        .where(Invitation.survey_id == survey.id, Invitation.test.is_(False)).order_by(Invitation.id)
    ).all()  # test invitations of a Probelauf are no part of the response rate
    compactor = Compactor()  # shared strings, lists and entries: a few KB per response, not ~11 KB
    records, subjects, respondent_names = [], {}, {}
    tests = 0
    partners = partner_matching.partner_map(survey.kommune_id)
    for row in db.session.execute(_response_query(survey.id, include_drafts).execution_options(yield_per=STREAM_CHUNK)):
        records.append(_response_record(row, questions, contacts, compactor, partners))
        tests += bool(row[11])
        if not contacts:
            subjects[row[0]] = _subject(row)
            if row[7] is None and row[6]:
                respondent_names[row[6]] = subjects[row[0]]
    named: set[str] = set()
    for record in records:
        named |= _partner_codes(record.values)
    register = db.session.scalars(sa.select(Actor).where(Actor.kommune_id == survey.kommune_id))
    invited = {actor.id for _invitation, actor in invitation_rows if actor is not None}
    actors = [a for a in register if a.id in invited or (a.active and a.code in named)]
    invitations = tuple(
        InvitationRecord(
            id=invitation.id, actor=actor.code if actor else None, status=invitation.status.value,
            sent_at=invitation.sent_at, opened_at=invitation.opened_at, submitted_at=invitation.submitted_at,
            districts=tuple(actor.districts or ()) if actor else (), sector=actor.sector if actor else "",
            provider_type=actor.provider_type if actor else "",
        )
        for invitation, actor in invitation_rows
    )
    dataset = Dataset(
        questions=tuple(questions),
        responses=tuple(records),
        actors=tuple(_actor_record(a) for a in actors),
        districts=tuple(Option(d.code, d.name) for d in survey.kommune.districts),
        sectors=_catalogue_options(analysis_keys.SECTOR),
        provider_types=_catalogue_options(analysis_keys.PROVIDER_TYPE),
        invitations=invitations,
        title=f"{TEST_MARK} {survey.title}" if tests else survey.title,
        corrections=corrections.dataset_corrections(survey),
        codings=coding.codings_of(survey),
    )
    if not contacts:
        dataset = _pseudonymised(survey, dataset, subjects, _name_index(dataset.actors, respondent_names))
    return dataset


def analysed(dataset: Dataset) -> Dataset:
    """The dataset without contact questions: what every chart, table and report shows."""
    if not any(q.key in CONTACT_KEYS for q in dataset.questions):
        return dataset
    return replace(dataset, questions=tuple(q for q in dataset.questions if q.key not in CONTACT_KEYS))
