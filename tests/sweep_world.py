"""Test data for the attack sweep: a Kommune with one of everything a route can point at, and a
snapshot of every stored row that belongs to one Kommune (to prove an attack changed nothing).

`build_kommune` goes through the same services and pages the app uses: users of every role, a
colleague invited without a password yet (an account token), districts, an actor, a draft survey,
a running one with a fresh, a started and a submitted invitation, a closed one with a follow-up
wave, an unclear bounce report, and a prepared workbook (a job with its file).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app

from factories import fetch_prepared, login, make_user
from survey.extensions import db
from survey.models import ActorContact, BounceOutcome, BounceReport, District, User
from survey.services import accounts, coding, invitations, partner_matching, surveys, waves
from survey.services.actors import ActorData
from survey.services.actors import save as save_actor

KEYS = ("netzwerk.wirkungskreis", "netzwerk.fokus", "akteur.stadtteile", "angebote.angebote", "kooperation.partner")
# Tables whose rows change by themselves or by any request (login counters, the mail schedule).
VOLATILE = {"throttle", "mail_rate", "worker_beat", "alembic_version"}


def build_kommune(app, name: str) -> dict[str, Any]:
    """Everything of one Kommune a URL can name; `marker` (the name's last word) is in its titles."""
    marker = name.split()[-1]
    admin_id, admin_email = make_user(app, "admin", kommune=name)
    planner_id, planner_email = make_user(app, "planner", kommune=name)
    analyst_id, analyst_email = make_user(app, "analyst", kommune=name)
    with app.app_context():
        admin = db.session.get(User, admin_id)
        kommune = admin.kommune
        district = db.session.scalars(sa.select(District).filter_by(kommune_id=kommune.id)).first()
        actor = save_actor(kommune, ActorData(name=f"Kita {marker}", email=f"kita@{marker.lower()}.example",
                                              districts=[district.code]))
        contact = ActorContact(name=f"Vertretung {marker}", role="Stellvertretung",
                               email=f"vertretung@{marker.lower()}.example")
        actor.contacts.append(contact)
        db.session.flush()
        # a second entry of the same organisation (a duplicate to merge) and one not invited yet
        save_actor(kommune, ActorData(name=f"Kita {marker}", email=f"leitung@{marker.lower()}.example"))
        save_actor(kommune, ActorData(name=f"Sportverein {marker}", email=f"sport@{marker.lower()}.example"))
        catalogue = current_app.extensions["catalogue"]

        def build(title: str, open_it: bool = True):
            survey = surveys.create_survey(kommune, admin, title, contact_name=f"Petra {marker}",
                                           contact_email=admin.email)
            for key in KEYS:
                surveys.add_question(survey, catalogue.get(key))
            for item in survey.items:
                item.required = False
            if open_it:
                surveys.open_survey(survey)
            return survey

        draft = build(f"Entwurf {marker}", open_it=False)
        surveys.add_page(draft, f"Zweite Seite {marker}")
        running = build(f"Laufend {marker}")
        fresh, fresh_token = invitations.invite(running, f"frisch@{marker.lower()}.example", actor=actor)
        started, started_token = invitations.invite(running, f"begonnen@{marker.lower()}.example",
                                                    organisation=f"Jugendzentrum {marker}")
        done, done_token = invitations.invite(running, f"fertig@{marker.lower()}.example",
                                              organisation=f"Grundschule {marker}")
        closed = build(f"Abgeschlossen {marker}")
        _old, closed_token = invitations.invite(closed, f"alt@{marker.lower()}.example",
                                                organisation=f"Altbau {marker}")
        db.session.commit()
        report = BounceReport(outcome=BounceOutcome.UNCLEAR, subject=f"Unzustellbar {marker}",
                              recipient=fresh.email, invitation_id=fresh.id, kommune_id=kommune.id,
                              note="Nicht zuzuordnen", raw=f"Rückläufer an {fresh.email}")
        db.session.add(report)
        accounts.invite_user(admin, f"kollegin@{marker.lower()}.example", "planner", f"Karla {marker}")
        # a coding category in the draft (its results have no answers the category would count)
        category = coding.add_category(draft, coding.question_of(draft, "netzwerk.fokus"), f"Schwerpunkt {marker}")
        db.session.commit()
        ids = {"kommune_id": kommune.id, "draft": draft.id, "running": running.id, "closed": closed.id,
               "item_id": draft.items[0].id, "page_id": draft.pages[0].id, "district_id": district.id,
               "actor_id": actor.id, "invitation_id": fresh.id, "started_invitation": started.id,
               "done_invitation": done.id, "report_id": report.id, "user_id": planner_id, "contact_id": contact.id,
               "running_item_id": running.items[0].id, "category_id": category.id}
    respondent = app.test_client()
    for token in (started_token, done_token, closed_token):
        assert respondent.post(f"/r/{token}/start").status_code == 302
    respondent.post(f"/r/{started_token}/seite/1", data={"netzwerk.fokus": f"Fokus {marker}"})
    # Two partners typed by name: one still to match to the register, one the planner already assigned.
    respondent.post(f"/r/{done_token}/seite/1", data={"_new/kooperation.partner": f"Turnverein {marker}",
                                                      "_action": "pick:kooperation.partner"})
    respondent.post(f"/r/{done_token}/seite/1", data={"_new/kooperation.partner": f"Kita Nebenan {marker}",
                                                      "_action": "pick:kooperation.partner"})
    assert respondent.post(f"/r/{done_token}/pruefen").status_code == 302, "submitting failed"
    assert respondent.post(f"/r/{closed_token}/pruefen").status_code == 302, "submitting failed"
    with app.app_context():
        closed = db.session.get(type(draft), ids["closed"])
        surveys.close_survey(closed)
        ids["match_id"] = partner_matching.assign(db.session.get(type(draft), ids["running"]), f"Kita Nebenan {marker}",
                                                  ids["actor_id"]).id
        wave = waves.create_follow_up(closed, db.session.get(User, admin_id), catalogue, f"Welle 2 {marker}").survey
        db.session.commit()
        ids["wave"] = wave.id
    admin_client = login(app.test_client(), admin_email)
    assert fetch_prepared(admin_client, f"/results/{ids['running']}/auswertung.xlsx").status_code == 200
    return {"name": name, "marker": marker, "ids": ids,
            "emails": {"admin": admin_email, "planner": planner_email, "analyst": analyst_email},
            "tokens": [fresh_token, started_token, done_token, closed_token]}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def snapshot(app, kommune_id: int) -> dict[tuple[str, Any], Mapping[str, Any]]:
    """Every row that belongs to the Kommune (its own `kommune_id`, or through a foreign key to a row
    that does), plus every row that belongs to no Kommune (outside VOLATILE), by (table, key)."""
    with app.app_context():
        tables = db.metadata.sorted_tables  # parents before children
        rows: dict[str, dict[Any, dict[str, Any]]] = {}
        owner: dict[tuple[str, Any], int | None] = {}
        for table in tables:
            pk = [c.name for c in table.primary_key.columns]
            rows[table.name] = {}
            for row in db.session.execute(sa.select(table)).mappings():
                key = tuple(row[c] for c in pk)
                rows[table.name][key] = {k: _plain(v) for k, v in row.items()}
                owner[(table.name, key)] = _owner(table, row, owner)
        db.session.remove()
    return {(name, key): row for name, by_key in rows.items() for key, row in by_key.items()
            if owner[(name, key)] == kommune_id or (owner[(name, key)] is None and name not in VOLATILE)}


def _owner(table: sa.Table, row: Mapping[str, Any], owner: Mapping[tuple[str, Any], int | None]) -> int | None:
    if table.name == "kommune":
        return row["id"]
    if "kommune_id" in table.c and row["kommune_id"] is not None:
        return row["kommune_id"]
    for fk in table.foreign_keys:
        value = row[fk.parent.name]
        if value is not None and fk.column.table.name != table.name:
            found = owner.get((fk.column.table.name, (value,)))
            if found is not None:
                return found
    return None


def differences(before: Mapping, after: Mapping) -> list[str]:
    """Readable list of rows added, removed or changed between two snapshots."""
    found = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None or new is None:
            found.append(f"{key}: {'added' if old is None else 'removed'}")
        else:
            found.append(f"{key}: " + ", ".join(f"{c} {old[c]!r} → {new[c]!r}" for c in old if old[c] != new[c]))
    return found
