"""Every page and every mail names the Kommune with the right article, for a Stadt, a Kreis and a Gemeinde.

The pages come from `app.url_map` (every GET route, its arguments filled from a survey that has
been answered), the mails from every kind under templates/email/, delivered to the test SMTP server.
A new route or mail kind without a way to fill it fails here until it is added.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from factories import PASSWORD, PRIVACY, deliver, login, make_user
from survey import config
from survey.extensions import db
from survey.models import Invitation, OutboxMessage, Survey, User
from survey.services import accessibility, accounts, invitations, surveys
from survey.services import follow_up as follow_up_service
from survey.services.actors import ActorData
from survey.services.actors import save as save_actor

# "von Stadt X", "bei Kreis X", "an Gemeinde X", "Eine Befragung Kreis X", "vom Stadt X" …
BAD = re.compile(
    r"\b(?:von|bei|an|für|Befragung|Mitarbeitenden|zur|zum) (?:Stadt|Kreis|Gemeinde) \w"
    r"|\b(?:vom|beim|des) (?:Stadt|Gemeinde)\b|\b(?:von der|bei der) Kreis\b"
    r"|(?:^|[.!?>]\s*)(?:Stadt|Kreis|Gemeinde) \w+ (?:lädt|möchte|bittet)", re.MULTILINE)

KOMMUNEN = [("Stadt Wuppertal", "der Stadt Wuppertal"), ("Kreis Düren", "des Kreises Düren"),
            ("Gemeinde Kreuzau", "der Gemeinde Kreuzau")]

# Routes whose answers are images or binary files (no German sentences to read).
BINARY = {"static", "results.chart", "waves.chart", "results.xlsx", "results.report", "waves.pdf", "results.graphml"}
# Routes that only exist in demo mode (the test app runs without it).
DEMO_ONLY = {"mailbox.index", "mailbox.show", "mailbox.show_html"}


def test_the_pattern_finds_a_missing_article():
    for bad in ("Eine Befragung von Stadt Wuppertal.", "Ihre Antworten sind bei Kreis Düren angekommen",
                "vom Stadt Wuppertal", "Eine Befragung Gemeinde Kreuzau", "<p>Kreis Düren lädt Sie ein"):
        assert BAD.search(bad), bad
    for good in ("Eine Befragung der Stadt Wuppertal.", "vom Kreis Düren", "beim Kreis Düren",
                 "bei der Gemeinde Kreuzau", "Der Kreis Düren lädt Sie ein", "des Kreises Düren"):
        assert not BAD.search(good), good


def _setup(app, kommune_name: str) -> dict:
    admin_id, admin_email = make_user(app, "admin", kommune=kommune_name)
    analyst_id, analyst_email = make_user(app, "analyst", kommune=kommune_name)
    planner_id, _planner_email = make_user(app, "planner", kommune=kommune_name)
    with app.app_context():
        admin = db.session.get(User, admin_id)
        kommune = admin.kommune
        kommune.imprint_url = "https://www.example.org/impressum"
        actor = save_actor(kommune, ActorData(name="Kita Sonnenschein", email="kita@traeger.example",
                                              districts=[kommune.districts[0].code]))
        catalogue = current_app.extensions["catalogue"]

        def build(title: str) -> Survey:
            survey = surveys.create_survey(kommune, admin, title, contact_email=admin.email,  # no contact name
                                           privacy_notice=PRIVACY)
            for key in ("netzwerk.wirkungskreis", "akteur.stadtteile", "angebote.angebote"):
                surveys.add_question(survey, catalogue.get(key))
            for item in survey.items:
                item.required = False
            surveys.open_survey(survey)
            return survey

        survey = build("Netzwerke 2026")
        fresh, fresh_token = invitations.invite(survey, "kita@traeger.example", actor=actor)
        started, started_token = invitations.invite(survey, "jugend@traeger.example", organisation="Jugendzentrum")
        _done, done_token = invitations.invite(survey, "schule@traeger.example", organisation="Grundschule")
        _passed, passed_token = invitations.invite(survey, "verein@traeger.example", organisation="Sportverein")
        closed = build("Alte Befragung")
        _old, closed_token = invitations.invite(closed, "alt@traeger.example", organisation="Altbau")
        surveys.close_survey(closed)
        db.session.commit()
        item_id = survey.items[0].id
        ids = {"survey_id": survey.id, "invitation_id": fresh.id, "actor_id": actor.id, "item_id": item_id,
               "started_invitation": started.id, "user_id": analyst_id, "kommune_id": kommune.id}
    respondent = app.test_client()
    respondent.post(f"/r/{started_token}/start")
    respondent.post(f"/r/{done_token}/start")
    assert respondent.post(f"/r/{done_token}/pruefen").status_code == 302, "submitting failed"
    respondent.post(f"/r/{fresh_token}/link")  # the link mail
    respondent.post(f"/r/{passed_token}/weitergeben", data={"name": "Kai Kollege", "email": "kai@traeger.example"})
    with app.app_context():
        follow_up_service.remind([db.session.get(Invitation, ids["started_invitation"])])
        # the account mails: an invitation to a colleague, a reset link, a changed password
        accounts.invite_user(db.session.get(User, admin_id), f"kollegin.{admin_id}@verwaltung.example", "planner")
        accounts.request_password_reset(analyst_email)
        accounts.change_password(db.session.get(User, planner_id), PASSWORD, "ein-neues-langes-Kennwort-42")
        accessibility.send_feedback(db.session.get(User, admin_id).kommune,
                                    accessibility.Feedback(message="Die Schrift ist zu klein."))
        db.session.commit()
    return {"admin": admin_email, "analyst": analyst_email, "ids": ids,
            "tokens": [fresh_token, started_token, done_token, closed_token, passed_token]}


def _urls(app, setup) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET route, each argument filled in (respondent routes once per token)."""
    ids = setup["ids"]
    fixed = {"number": 1, "fmt": "csv", "key": "angebote.angebote", "index": 1, "was": "bericht", **ids}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in BINARY | DEMO_ONLY:
            continue
        missing = set(rule.arguments) - set(fixed) - {"token"}
        assert not missing, f"{rule.rule}: add a value for {sorted(missing)} to this test"
        values = {name: fixed[name] for name in rule.arguments if name != "token"}
        with app.test_request_context():
            from flask import url_for

            if "token" in rule.arguments:
                urls += [(rule.endpoint, url_for(rule.endpoint, token=t, **values)) for t in setup["tokens"]]
            else:
                urls.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return urls


def _text(response) -> str | None:
    kind = response.content_type or ""
    if not kind.startswith(("text/", "application/json")):
        return None
    return response.get_data(as_text=True)


@pytest.mark.parametrize("kommune_name, genitive", KOMMUNEN)
def test_every_page_and_mail_names_the_kommune_with_its_article(app, inbox, kommune_name, genitive):
    setup = _setup(app, kommune_name)
    staff = [login(app.test_client(), setup["admin"]), login(app.test_client(), setup["analyst"])]
    anonymous = app.test_client()
    read, problems, seen = 0, [], set()
    for endpoint, url in _urls(app, setup):
        for client in [anonymous] if url.startswith("/r/") else staff:
            response = client.get(url, follow_redirects=True)
            assert response.status_code < 500, (url, response.status_code)
            text = _text(response)
            if text is None:
                continue
            read += 1
            if response.status_code == 200:
                seen.add(endpoint)
            problems += [f"{url}: …{text[max(m.start() - 40, 0):m.end() + 20]}…" for m in BAD.finditer(text)]
    assert {"respond.welcome", "respond.page", "respond.review", "respond.done", "respond.entry", "planner.detail",
            "planner.index", "results.show", "invitations.index", "actors.index", "admin.settings",
            "admin.districts"} <= seen
    welcome = anonymous.get(f"/r/{setup['tokens'][0]}").get_data(as_text=True)
    assert f"Eine Befragung {genitive}" in welcome and 'href="https://www.example.org/impressum"' in welcome

    report = deliver(app)
    assert report is not None
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        kinds = {row.kind for row in rows}
        for row in rows:
            for part in (row.subject, row.body_text, row.body_html):
                problems += [f"mail {row.kind}: …{part[max(m.start() - 40, 0):m.end() + 20]}…"
                             for m in BAD.finditer(part)]
    mail_kinds = {p.name for p in (Path(config.TEMPLATES_DIR) / "email").iterdir() if p.is_dir()}
    assert mail_kinds <= kinds, f"mail kinds not covered by this test: {sorted(mail_kinds - kinds)}"
    assert inbox.messages and all(kommune_name in str(m["From"]) for m in inbox.messages)
    assert read > 30
    assert problems == []
