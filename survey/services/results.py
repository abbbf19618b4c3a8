"""The bridge from the database to `analysis`: one survey's answers as an `analysis.Dataset`.

Queries are few and independent of the number of rows (invitations, responses, actors: one query
each). Drafts are parsed from their raw form data so "including drafts" shows what respondents
have typed so far.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from analysis import ActorRecord, Dataset, InvitationRecord, ResponseRecord
from analysis import keys as analysis_keys
from questionnaires.model import Option

from ..extensions import db
from ..models import Actor, Invitation, Response, Survey
from . import responses as response_service


def _catalogue_options(key: str) -> tuple[Option, ...]:
    question = current_app.extensions["catalogue"].get(key)
    return question.options if question else ()


def _actor_record(actor: Actor) -> ActorRecord:
    return ActorRecord(code=actor.code, name=actor.name, sector=actor.sector, provider_type=actor.provider_type,
                       districts=tuple(actor.districts or ()))


def build_dataset(survey: Survey, include_drafts: bool = True) -> Dataset:
    """Everything the analysis needs about `survey`, read in a handful of queries."""
    questions = survey.questions()
    invitation_rows = db.session.execute(
        sa.select(Invitation, Actor).outerjoin(Actor, Invitation.actor_id == Actor.id)
        .where(Invitation.survey_id == survey.id).order_by(Invitation.id)
    ).all()
    response_query = sa.select(Response).where(Response.survey_id == survey.id).order_by(Response.id)
    if not include_drafts:
        response_query = response_query.where(Response.submitted_at.isnot(None))
    responses = list(db.session.scalars(response_query))
    by_invitation = {invitation.id: (invitation, actor) for invitation, actor in invitation_rows}

    records = []
    for response in responses:
        invitation, actor = by_invitation[response.invitation_id]
        if response.is_submitted:
            values = response.answers or {}
            status = analysis_keys.SUBMITTED
        else:
            shown = response_service.shown_questions(questions, response.draft)
            values = response_service.parse(shown, response.draft).values
            status = analysis_keys.IN_PROGRESS
        records.append(ResponseRecord(
            id=response.id, status=status, submitted_at=response.submitted_at,
            actor=actor.code if actor else None, organisation=invitation.organisation or invitation.email,
            values=values,
        ))
    actors = list(db.session.scalars(sa.select(Actor).where(Actor.kommune_id == survey.kommune_id, Actor.active)))
    invitations = tuple(
        InvitationRecord(
            id=invitation.id, actor=actor.code if actor else None, status=invitation.status.value,
            sent_at=invitation.sent_at, opened_at=invitation.opened_at, submitted_at=invitation.submitted_at,
            districts=tuple(actor.districts or ()) if actor else (), sector=actor.sector if actor else "",
            provider_type=actor.provider_type if actor else "",
        )
        for invitation, actor in invitation_rows
    )
    return Dataset(
        questions=tuple(questions),
        responses=tuple(records),
        actors=tuple(_actor_record(a) for a in actors),
        districts=tuple(Option(d.code, d.name) for d in survey.kommune.districts),
        sectors=_catalogue_options(analysis_keys.SECTOR),
        provider_types=_catalogue_options(analysis_keys.PROVIDER_TYPE),
        invitations=invitations,
        title=survey.title,
    )
