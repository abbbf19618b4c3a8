"""Builders for test data, going through the same services the app uses."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import sqlalchemy as sa
from flask import current_app

from survey.extensions import db
from survey.models import Survey, User
from survey.services import invitations, surveys
from survey.services.delivery import deliver_due

PASSWORD = "geheim-genug-123"
PRIVACY = "Verantwortlich ist das Jugendamt; die Angaben sieht nur die Planung, sie werden nach sechs Monaten gelöscht."
THIN_PATH_KEYS = ["netzwerk.wirkungskreis", "netzwerk.lebensphasen", "netzwerk.fokus"]


def make_survey(user_id: int, keys: list[str] = THIN_PATH_KEYS, open_it: bool = True,
                title: str = "Netzwerke 2026") -> Survey:
    """A survey of the user's Kommune with the catalogue questions `keys` (call inside an app context)."""
    user = db.session.get(User, user_id)
    survey = surveys.create_survey(user.kommune, user, title, contact_name="Petra Plan", contact_email=user.email,
                                   privacy_notice=PRIVACY)
    catalogue = current_app.extensions["catalogue"]
    for key in keys:
        surveys.add_question(survey, catalogue.get(key))
    if open_it:
        surveys.open_survey(survey)
    db.session.commit()
    return survey


def two_page_survey(user_id: int, required: bool = True) -> Survey:
    """An open survey with two catalogue questions on page 1 and one on page 2, "Schwerpunkt"."""
    from survey.models import SurveyPage

    user = db.session.get(User, user_id)
    survey = surveys.create_survey(user.kommune, user, "Netzwerke 2026", contact_email=user.email,
                                   privacy_notice=PRIVACY)
    catalogue = current_app.extensions["catalogue"]
    for key in ("netzwerk.wirkungskreis", "netzwerk.lebensphasen"):
        surveys.add_question(survey, catalogue.get(key))
    second = SurveyPage(position=1, title="Schwerpunkt")
    survey.pages.append(second)
    db.session.flush()
    surveys.add_question(survey, catalogue.get("netzwerk.fokus"), page=second)
    if not required:
        for item in survey.items:
            item.required = False
    surveys.open_survey(survey)
    db.session.commit()
    return survey


def invite(survey: Survey, address: str = "kita@traeger.example", organisation: str = "Kita Sonnenschein") -> str:
    """Invite one address; returns the respondent link's token."""
    _invitation, token = invitations.invite(survey, address, organisation=organisation)
    db.session.commit()
    return token


def token_from_mail(text: str) -> str:
    match = re.search(r"/r/([A-Za-z0-9_-]{20,})", text)
    assert match, "no respondent link in the mail"
    return match.group(1)


def make_user(app, role: str, kommune: str = "Stadt Musterhausen", email: str | None = None):
    from survey.services.accounts import create_user, set_districts

    with app.app_context():
        user = create_user(kommune, email or f"{role}@{kommune.split()[-1].lower()}.example", PASSWORD, role,
                           f"{role.title()} Test")
        set_districts(user.kommune, ["Nordstadt", "Südstadt", "Oststadt"])
        db.session.commit()
        return user.id, user.email


def login(client, email: str, password: str = PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, "login failed"
    return client


def deliver(app):
    """Run the mail worker once, as `flask mail send` does."""
    with app.app_context():
        report = deliver_due()
        db.session.remove()
        return report


def fetch_prepared(client, url: str):
    """GET a prepared download (report, workbook) as a user would: the first request starts the
    job and leads to the waiting page; the job worker (run here, in-process) prepares the file;
    the second request gets it."""
    from survey import worker

    response = client.get(url)
    if response.status_code == 302 and "/vorbereiten/" in response.headers["Location"]:
        assert client.get(response.headers["Location"]).status_code == 200
        with client.application.app_context():
            worker.work_once("test-worker", ["download.bericht", "download.arbeitsmappe"])
            db.session.remove()
        response = client.get(url)
    return response


@contextlib.contextmanager
def throwaway_database(tmp_path, name: str) -> Iterator[str]:
    """A database URL of its own beside the session's (whose schema stays as it is): a file on
    SQLite, a fresh database `name` on the PostgreSQL server of DATABASE_URL, dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        return
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    drop()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


@contextlib.contextmanager
def migrated_app(url: str) -> Iterator:
    """An app of its own on `url`, migrated to head; its connections are closed afterwards."""
    from flask_migrate import upgrade

    from survey import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "DEMO_MODE": False, "MAIL_SUPPRESS_SEND": True})
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
