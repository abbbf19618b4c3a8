"""Synthetic surveys of any size, grown from the demo survey so every question kind has real answers.

`base_dataset()` loads the demo data into a throw-away SQLite instance and reads the demo survey
through the app's own bridge (`survey.services.results.build_dataset`). `grow()` turns it into a
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
    from survey.services.results import build_dataset

    with tempfile.TemporaryDirectory(prefix="lueckenlos-synth-") as tmp:
        app = make_app(Path(tmp))
        with app.app_context():
            load_demo()
            db.session.commit()
            survey = db.session.scalars(sa.select(Survey).order_by(Survey.id)).first()
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
    start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.timezone.utc)
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
    from analysis import ActorRecord, ResponseRecord
    from analysis import keys

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
