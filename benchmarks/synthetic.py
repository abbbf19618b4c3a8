"""Synthetic surveys of any size, grown from the demo survey so every question kind has real answers.

`base_dataset()` loads the demo data into a throw-away SQLite instance and reads the demo survey
through the app's own bridge (`survey.services.results.dataset.build_dataset`). `grow()` turns it into a
dataset of n responses by copying answers (each response gets its own copy, so memory is real).
`network_dataset()` builds 500 organisations with 5,000 ties through the partner roster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import random
import tempfile
from pathlib import Path

from .common import make_app, quiet_logging


def base_dataset():
    """The demo survey as an analysis.Dataset (questions with district options, actors, answers)."""
    quiet_logging()
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Survey
    from survey.services.demo import load_demo
    from survey.services.results.dataset import (
        build_dataset,
    )

    with tempfile.TemporaryDirectory(prefix="lueckenlos-synth-") as tmp:
        app = make_app(Path(tmp))
        with app.app_context():
            load_demo()
            db.session.commit()
            survey = db.session.scalars(sa.select(Survey).order_by(Survey.id)).first()
            assert survey is not None, "the demo has a survey"
            dataset = build_dataset(survey, include_drafts=False)
            db.session.remove()
            db.engine.dispose()
    return dataset


def grow(base, n: int, seed: int = 1):
    """`base` with n submitted responses (answers copied from its own), and n invitations."""
    from analysis import InvitationRecord, ResponseRecord

    pool = [pickle.dumps(dict(r.values)) for r in base.responses if r.values]
    if not pool:
        raise RuntimeError("the demo survey has no answers to copy")
    rng = random.Random(seed)
    actors = [a.code for a in base.actors] or [None]
    start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    responses, invitations = [], []
    for i in range(n):
        moment = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 42))
        actor = actors[i % len(actors)]
        responses.append(ResponseRecord(id=i + 1, status="submitted", submitted_at=moment, actor=actor,
                                        organisation=f"Organisation {i + 1}", values=pickle.loads(pool[i % len(pool)])))
        invitations.append(InvitationRecord(id=i + 1, actor=actor, status="submitted", sent_at=start,
                                            opened_at=moment, submitted_at=moment))
    return dataclasses.replace(base, responses=tuple(responses), invitations=tuple(invitations))


def network_dataset(base, organisations: int = 500, ties: int = 5000, seed: int = 5):
    """500 organisations in 8 sectors, each answering the partner roster: `ties` ties in all."""
    from analysis import ActorRecord, ResponseRecord, keys

    rng = random.Random(seed)
    sectors = [o.code for o in base.sector_options] or ["kita", "schule", "gesundheit", "soziales"]
    districts = [o.code for o in base.district_options] or ["nord"]
    template = {}
    for record in base.responses:
        entries = record.values.get(keys.PARTNERS)
        if entries:
            template = dict(entries[0])
            break
    actors = tuple(
        ActorRecord(code=f"A{n:04d}", name=f"Einrichtung {n}", sector=sectors[n % len(sectors)],
                    provider_type="freier_traeger", districts=(districts[n % len(districts)],))
        for n in range(organisations)
    )
    per = ties // organisations
    responses = []
    for n, actor in enumerate(actors):
        # Mostly within the own sector (the known weakness), some across.
        same = [a for a in actors if a.sector == actor.sector and a is not actor]
        partners = rng.sample(same, k=min(len(same), per * 7 // 10))
        partners += rng.sample([a for a in actors if a.sector != actor.sector], k=per - len(partners))
        entries = [{**template, keys.PARTNER_ACTOR: p.code, keys.PARTNER_NAME: p.name} for p in partners]
        responses.append(ResponseRecord(id=n + 1, status="submitted", submitted_at=None, actor=actor.code,
                                        organisation=actor.name, values={keys.PARTNERS: entries}))
    return dataclasses.replace(base, responses=tuple(responses), actors=actors, invitations=())


def fill_database(instance: Path, n: int, seed: int = 1) -> dict:
    """A SQLite database in `instance` with the demo data and the demo survey grown to n responses
    (all submitted, answers copied from the demo's), written with bulk inserts of invitations and
    responses. Returns what the export benchmark needs to log in and download."""
    quiet_logging()
    import secrets

    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Actor, Invitation, InvitationStatus, Response, Survey
    from survey.services.demo import load_demo

    app = make_app(instance)
    rng = random.Random(seed)
    with app.app_context():
        demo = load_demo()
        db.session.commit()
        survey = db.session.scalars(sa.select(Survey).order_by(Survey.id)).first()
        assert survey is not None, "the demo has a survey"
        pool = [a for a in db.session.scalars(sa.select(Response.answers).where(
            Response.survey_id == survey.id, Response.submitted_at.isnot(None))) if a]
        actors = list(db.session.scalars(sa.select(Actor.id).where(Actor.kommune_id == survey.kommune_id)))
        existing = db.session.scalar(sa.select(sa.func.count(Response.id)).where(
            Response.survey_id == survey.id, Response.submitted_at.isnot(None))) or 0
        start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
        batch = 5000
        for first in range(0, max(n - existing, 0), batch):
            count = min(batch, n - existing - first)
            moments = [start + dt.timedelta(minutes=rng.randrange(60 * 24 * 42)) for _ in range(count)]
            invitations = [
                {"survey_id": survey.id, "actor_id": actors[(first + i) % len(actors)] if (first + i) % 4 else None,
                 "email": f"org{first + i}@bench.example", "organisation": f"Organisation {first + i}" if i % 3 else "",
                 "token_hash": secrets.token_hex(32), "status": InvitationStatus.SUBMITTED, "sent_at": start,
                 "opened_at": moment, "submitted_at": moment}
                for i, moment in enumerate(moments)
            ]
            ids = db.session.scalars(sa.insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True),
                                     invitations).all()
            db.session.execute(sa.insert(Response), [
                {"survey_id": survey.id, "invitation_id": invitation_id, "draft": {},
                 "answers": pool[(first + i) % len(pool)],
                 "revision": 1, "saved_at": moment, "submitted_at": moment}
                for i, (invitation_id, moment) in enumerate(zip(ids, moments, strict=True))
            ])
            db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count(Response.id)).where(
            Response.survey_id == survey.id, Response.submitted_at.isnot(None)))
        result = {"survey_id": survey.id, "responses": total, "planner": demo.planner, "password": demo.password}
        db.session.remove()
        db.engine.dispose()
    return result
