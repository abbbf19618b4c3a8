"""The per-process cache of the results: datasets, networks, page data and wave comparisons.

The results page, its ~40 chart images and the downloads all need the same dataset and network;
with a data stamp in the key (`data_stamp`) an entry is never stale, the time limit only bounds
memory held for surveys nobody looks at.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa

from analysis import Dataset

from ...extensions import db
from ...models import Actor, Invitation, Response, Survey
from .. import coding
from ..cache import ttl_memo
from ..partner_matching import stamp as partner_stamp
from .dataset import build_dataset

CACHE_SIZE = 16  # entries: datasets, networks and page data of the surveys being looked at


CACHE_SECONDS = 300


# The results page, its ~40 chart images and the downloads all need the same dataset and network;
# with a data stamp in the key (`data_stamp`) an entry is never stale, the time limit only bounds
# memory held for surveys nobody looks at.
_memo = ttl_memo(CACHE_SIZE, CACHE_SECONDS)


cached = _memo.get


def data_stamp(survey: Survey) -> tuple[Any, ...]:
    """What changes whenever the survey's results can change: responses saved or submitted,
    invitations changing state, register entries edited (three small aggregate queries), the
    wording corrected after opening (`Survey.wording_revision`: texts and codebook), the partner
    names assigned to the register (`partner_matching.stamp`) and the coding of free texts
    (`coding.stamp`)."""
    responses = (sa.select(sa.func.count(Response.id), sa.func.count(Response.submitted_at),
                           sa.func.max(Response.saved_at), sa.func.max(Response.submitted_at),
                           sa.func.sum(Response.revision))
                 .where(Response.survey_id == survey.id))
    invitations = (sa.select(Invitation.status, sa.func.count(Invitation.id).label("n"),
                             sa.func.max(Invitation.sent_at).label("sent"),
                             sa.func.max(Invitation.opened_at).label("opened"),
                             sa.func.max(Invitation.submitted_at).label("submitted"),
                             sa.func.max(Invitation.withdrawn_at).label("withdrawn"))
                   .where(Invitation.survey_id == survey.id).group_by(Invitation.status))
    actors = sa.select(sa.func.count(Actor.id), sa.func.max(Actor.updated_at)).where(
        Actor.kommune_id == survey.kommune_id)
    rows = db.session.execute(invitations).all()
    return (survey.id, survey.created_at, survey.wording_revision, tuple(db.session.execute(responses).one()),
            tuple(db.session.execute(actors).one()), tuple(sorted((str(r[0]), *r[1:]) for r in rows)),
            survey.state.value, _draft_questions(survey), partner_stamp(survey.kommune_id), coding.stamp(survey))


def _draft_questions(survey: Survey) -> str:
    """While a survey is a draft (a Probelauf's answers have results) its questions still change: their
    fingerprint keeps a dataset of older questions from being served. An opened survey is frozen: ""."""
    if not survey.is_draft:
        return ""
    items = sorted((item.page_id, item.position, item.required, item.definition) for item in survey.items)
    pages = sorted((page.id, page.position, page.title) for page in survey.pages)
    return hashlib.sha256(json.dumps([items, pages], sort_keys=True, default=str).encode()).hexdigest()


def dataset_for(survey: Survey, include_drafts: bool, contacts: bool) -> tuple[Dataset, Hashable]:
    """`build_dataset`, cached while the data stamp is unchanged; returns the dataset and its key."""
    key = ("dataset", data_stamp(survey), include_drafts, contacts)
    return cached(key, lambda: build_dataset(survey, include_drafts, contacts)), key
