"""The Probelauf: test invitations of a draft survey to colleagues, answered like real ones, marked
in the results, left out of every count, and deleted (after a confirmation) when the survey opens."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from factories import deliver, make_survey, make_user, token_from_mail
from survey.extensions import db
from survey.models import AuditEntry, Invitation, OutboxMessage, Response, Survey, SurveyState, User
from survey.services import dashboard, invitations, surveys, test_run
from survey.services.surveys import SurveyError

EXTERN = "extern@beispiel.example"
COLLEAGUE = "kollegin@musterhausen.example"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def draft(app, planner):
    with app.app_context():
        return make_survey(planner[0], open_it=False, title="Netzwerke im Probelauf").id


@pytest.fixture
def colleague(app):
    return make_user(app, "analyst", email=COLLEAGUE)


def _start(planner_client, draft, colleague, addresses=f"Eva Extern <{EXTERN}>"):
    return planner_client.post(f"/surveys/{draft}/probelauf", data={"colleague": [str(colleague[0])],
                                                                    "addresses": addresses})


def _token(inbox, address) -> str:
    [mail] = [m for m in inbox.to(address) if "Einladung" in m["Subject"] or "Probelauf" in m["Subject"]]
    return token_from_mail(mail.get_body(("plain",)).get_content())


def _answer_and_submit(client, token):
    client.post(f"/r/{token}/start")
    form = client.get(f"/r/{token}/seite/1").get_data(as_text=True)
    revision = re.search(r'name="_revision" value="(\d+)"', form).group(1)
    saved = client.post(f"/r/{token}/seite/1", data={
        "_revision": revision, "_action": "save", "netzwerk.wirkungskreis": "stadtteil",
        "netzwerk.lebensphasen": ["kita"], "netzwerk.fokus": "Nur ein Test"})
    assert saved.status_code == 302
    done = client.post(f"/r/{token}/pruefen", follow_redirects=True)
    assert "Vielen Dank" in text_of(done)


def test_colleagues_get_the_invitation_marked_as_test_and_answer_the_draft(
        app, planner_client, client, inbox, draft, colleague):
    page = text_of(planner_client.get(f"/surveys/{draft}/probelauf"))
    assert "Colleague" not in page and f"({COLLEAGUE})" in page  # staff of the Kommune to tick
    response = _start(planner_client, draft, colleague)
    assert response.status_code == 302
    assert "2 Test-Einladungen werden jetzt verschickt" in text_of(planner_client.get(response.headers["Location"]))
    assert deliver(app).sent == 2
    for address in (COLLEAGUE, EXTERN):
        [mail] = inbox.to(address)
        assert mail["Subject"].startswith("[Probelauf] Stadt Musterhausen: ")
        text = mail.get_body(("plain",)).get_content()
        assert text.startswith("PROBELAUF: Dies ist eine Test-Einladung.")
        assert "Probelauf:" in mail.get_body(("html",)).get_content()
    token = _token(inbox, COLLEAGUE)
    welcome = text_of(client.get(f"/r/{token}"))
    assert "Netzwerke im Probelauf" in welcome and "Probelauf:" in welcome
    _answer_and_submit(client, token)
    deliver(app)
    confirmation = [m for m in inbox.to(COLLEAGUE) if "Bestätigung" in m["Subject"]]
    assert confirmation and confirmation[0]["Subject"].startswith("[Probelauf] ")
    with app.app_context():
        assert db.session.get(Survey, draft).state is SurveyState.DRAFT
        assert db.session.scalar(sa.select(Response).where(Response.submitted_at.is_not(None))) is not None


def test_test_respondents_see_the_questions_as_they_are_now(app, planner, planner_client, client, inbox, draft,
                                                            colleague):
    _start(planner_client, draft, colleague, "")
    deliver(app)
    token = _token(inbox, COLLEAGUE)
    client.post(f"/r/{token}/start")
    assert "Auf welchen Wirkungskreis" in text_of(client.get(f"/r/{token}/seite/1"))
    with app.app_context():
        survey = db.session.get(Survey, draft)
        first = survey.items[0]
        surveys.reword(survey, first, "Für welches Gebiet arbeitet Ihr Netzwerk?")
        db.session.commit()
    page = text_of(client.get(f"/r/{token}/seite/1"))
    assert "Für welches Gebiet arbeitet Ihr Netzwerk?" in page and "Auf welchen Wirkungskreis" not in page


def test_an_invalid_address_sends_nothing_and_keeps_what_was_typed(app, planner_client, inbox, draft, colleague):
    typed = f"{EXTERN}\nkaputt@"
    response = _start(planner_client, draft, colleague, typed)
    assert response.status_code == 422
    body = text_of(response)
    assert "Es ist noch nichts verschickt." in body and "„kaputt@“ ist keine gültige E-Mail-Adresse" in body
    assert re.search(r"<textarea[^>]*>\s*" + re.escape(typed) + r"</textarea>", body)
    assert re.search(rf'value="{colleague[0]}" id="colleague-{colleague[0]}" checked', body)
    nobody = planner_client.post(f"/surveys/{draft}/probelauf", data={"addresses": ""})
    assert nobody.status_code == 422 and "mindestens eine Kollegin" in text_of(nobody)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_results_mark_test_answers_and_no_count_or_rate_includes_them(
        app, planner, planner_client, client, inbox, draft, colleague):
    with app.app_context():  # a follow-up wave's prepared invitation: a real one, waiting for the opening
        invitations.prepare(db.session.get(Survey, draft), "kita@traeger.example", organisation="Kita Sonnenschein")
        db.session.commit()
    _start(planner_client, draft, colleague)
    deliver(app)
    _answer_and_submit(client, _token(inbox, COLLEAGUE))

    results = text_of(planner_client.get(f"/results/{draft}"))
    assert "Enthält 1 Antwort aus dem Probelauf." in results
    csv = planner_client.get(f"/results/{draft}/antworten.csv?format=rfc4180&variante=lesbar").get_data(as_text=True)
    assert "[Probelauf] Analyst Test" in csv
    codebook = planner_client.get(f"/results/{draft}/codebuch.csv?format=rfc4180").get_data(as_text=True)
    assert "[Probelauf] Netzwerke im Probelauf" in codebook

    detail = text_of(planner_client.get(f"/surveys/{draft}"))
    assert "1 Einladung ist vorbereitet" in detail  # the real one only
    assert "Probelauf: 2 Test-Einladungen" in detail
    with app.app_context():
        survey = db.session.get(Survey, draft)
        counts = invitations.counts(survey)
        assert counts.total == 1 and counts["submitted"] == 0 and counts.rate is None
        assert [i.email for i in invitations.invitations_of_survey(survey)] == ["kita@traeger.example"]
        [row] = dashboard.dashboard(survey.kommune_id)
        assert row.counts.total == 1 and row.counts["submitted"] == 0
        assert test_run.holdings(survey) == test_run.Holdings(invitations=2, responses=1, submitted=1, mails=3)


def test_opening_says_what_goes_then_deletes_the_test_run_and_records_it(
        app, planner, planner_client, client, inbox, draft, colleague):
    with app.app_context():
        invitations.prepare(db.session.get(Survey, draft), "kita@traeger.example", organisation="Kita Sonnenschein")
        db.session.commit()
    _start(planner_client, draft, colleague)
    deliver(app)
    token = _token(inbox, COLLEAGUE)
    _answer_and_submit(client, token)

    for asked in (planner_client.get(f"/surveys/{draft}/open"), planner_client.post(f"/surveys/{draft}/open")):
        page = text_of(asked)
        assert asked.status_code == 200 and "Der Probelauf wird gelöscht" in page
        assert "2 Test-Einladungen" in page and "1 Test-Antwort, davon 1 abgeschickt" in page
        assert "3 E-Mails des Probelaufs" in page and "1 vorbereitete Einladung wird dann verschickt" in page
    with app.app_context():
        assert db.session.get(Survey, draft).state is SurveyState.DRAFT  # asking changed nothing

    opened = planner_client.post(f"/surveys/{draft}/open", data={"verwerfen": "1"}, follow_redirects=True)
    message = text_of(opened)
    assert "Die Befragung ist geöffnet. 1 vorbereitete Einladungen" in message
    assert "Der Probelauf ist gelöscht: 2 Test-Einladungen und 1 Test-Antwort." in message
    with app.app_context():
        survey = db.session.get(Survey, draft)
        assert survey.state is SurveyState.OPEN
        assert db.session.scalars(sa.select(Invitation.email)).all() == ["kita@traeger.example"]
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
        assert db.session.scalars(sa.select(OutboxMessage.recipient)).all() == ["kita@traeger.example"]
        entries = {e.action: e for e in db.session.scalars(sa.select(AuditEntry))}
        started, discarded = entries["test_run.started"], entries["test_run.discarded"]
        assert started.description == ("Probelauf von „Netzwerke im Probelauf“: 2 Test-Einladungen an Analyst Test "
                                       "und 1 weitere Adresse")
        assert started.after == {"Test-Einladungen": 2, "Kolleginnen und Kollegen": ["Analyst Test"],
                                 "Weitere Adressen": 1}
        assert EXTERN not in str(started.after) + started.description and token not in started.description
        assert discarded.before == {"Test-Einladungen": 2, "Test-Antworten": 1, "davon abgeschickt": 1, "E-Mails": 3}
        assert started.actor_id == discarded.actor_id == planner[0] and discarded.survey_id == draft
    assert client.get(f"/r/{token}").status_code == 404  # the test link is gone
    results = text_of(planner_client.get(f"/results/{draft}"))
    assert "aus dem Probelauf" not in results and "(0 Antworten" in results


def test_a_test_run_is_only_for_drafts_and_blocks_a_bare_opening(app, planner, planner_client, draft, colleague):
    _start(planner_client, draft, colleague, "")
    with app.app_context():
        survey = db.session.get(Survey, draft)
        with pytest.raises(SurveyError, match="Probelauf ist noch nicht verworfen"):
            surveys.open_survey(survey)
        db.session.rollback()
        opened = make_survey(planner[0], title="Schon offen")
        with pytest.raises(SurveyError, match="nur, solange die Befragung ein Entwurf ist"):
            test_run.start(opened, [colleague[0]], "")
        opened_id = opened.id
    page = text_of(planner_client.get(f"/surveys/{opened_id}/probelauf"))
    assert "ein Probelauf geht nur mit einem Entwurf" in page


def test_colleagues_of_another_kommune_cannot_be_picked(app, planner_client, draft):
    stranger = make_user(app, "planner", kommune="Kreis Düren", email="fremd@dueren.example")
    response = planner_client.post(f"/surveys/{draft}/probelauf", data={"colleague": [str(stranger[0])]})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
        assert db.session.get(User, stranger[0]).email not in text_of(response)


def test_results_of_a_draft_follow_its_questions_as_they_change(app, planner_client, client, inbox, draft, colleague):
    _start(planner_client, draft, colleague, "")
    deliver(app)
    _answer_and_submit(client, _token(inbox, COLLEAGUE))
    assert "Auf welchen Wirkungskreis" in text_of(planner_client.get(f"/results/{draft}"))  # now cached
    with app.app_context():
        survey = db.session.get(Survey, draft)
        surveys.reword(survey, survey.items[0], "Für welches Gebiet arbeitet Ihr Netzwerk?")
        db.session.commit()
    page = text_of(planner_client.get(f"/results/{draft}"))
    assert "Für welches Gebiet arbeitet Ihr Netzwerk?" in page and "Auf welchen Wirkungskreis" not in page
