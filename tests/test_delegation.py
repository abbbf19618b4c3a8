"""Passing the survey on: the respondent hands it to a colleague from the welcome page (a new link
for the same invitation, the answers stay), the old link then says where it went; the planner
changes the addressee without losing answers and sees the history."""

from __future__ import annotations

import re

import sqlalchemy as sa

from factories import deliver, invite, login, make_survey, make_user, token_from_mail
from survey.extensions import db
from survey.models import AuditEntry, Delegation, Invitation, InvitationStatus, OutboxMessage, OutboxStatus, Response
from survey.services import follow_up as follow_up_service
from survey.services import invitations
from test_respond import text_of as _html


def text_of(response) -> str:
    """The page as a reader sees it: tags gone, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _html(response)).split()).replace(" ,", ",").replace("( ", "(")

COLLEAGUE = {"name": "Jana Zuständig", "email": "j.zustaendig@traeger.example",
             "note": "Du kennst die Zahlen besser – danke!"}


def _started(app, planner, client) -> tuple[int, str]:
    """An invited organisation that saved an answer."""
    with app.app_context():
        survey = make_survey(planner[0])
        token = invite(survey, "info@traeger.example", "Familienzentrum Nord")
        survey_id = survey.id
    client.post(f"/r/{token}/start")
    saved = client.post(f"/r/{token}/seite/1", data={"netzwerk.fokus": "Übergänge Kita – Schule", "_action": "save"})
    assert saved.status_code == 302
    return survey_id, token


def _invitation(app) -> Invitation:
    return db.session.scalar(sa.select(Invitation))


def test_passing_on_keeps_the_answers_and_the_colleague_continues_them(app, planner, client, inbox):
    _survey_id, token = _started(app, planner, client)
    deliver(app)
    inbox.clear()
    welcome = text_of(client.get(f"/r/{token}"))
    assert "An eine Kollegin/einen Kollegen weitergeben" in welcome and "Ihr Link gilt danach nicht mehr" in welcome
    passed = client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    assert passed.status_code == 302 and passed.headers["Location"].endswith("weitergegeben=1#weitergegeben")
    deliver(app)
    mails = inbox.to("j.zustaendig@traeger.example")
    assert len(mails) == 1 and not inbox.to("info@traeger.example")
    body = mails[0].get_body(("plain",)).get_content()
    assert "Guten Tag Jana Zuständig" in body and "Du kennst die Zahlen besser – danke!" in body
    assert "Was bisher eingegeben wurde, ist gespeichert" in body and "Familienzentrum Nord" in body
    assert "weitergegeben" in mails[0]["Subject"]
    new_token = token_from_mail(body)
    assert new_token != token
    # The colleague's link opens the same response: the saved answer is there, and saving goes on.
    page = client.get(f"/r/{new_token}/seite/1").get_data(as_text=True)
    assert "Übergänge Kita – Schule" in page
    resumed = text_of(client.get(f"/r/{new_token}"))
    assert "Sie haben schon begonnen" in resumed
    client.post(f"/r/{new_token}/seite/1", data={"netzwerk.fokus": "Übergänge Kita – Schule",
                                                     "netzwerk.wirkungskreis": "stadtteil", "_action": "save"})
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
        assert response.draft["netzwerk.fokus"] == ["Übergänge Kita – Schule"]
        assert response.draft["netzwerk.wirkungskreis"] == ["stadtteil"]
        invitation = _invitation(app)
        assert invitation.email == "j.zustaendig@traeger.example" and invitation.contact_name == "Jana Zuständig"
    assert client.post(f"/r/{new_token}/pruefen").status_code == 302
    deliver(app)
    assert any("Bestätigung" in m["Subject"] or "Ihre Antworten" in m["Subject"]
               for m in inbox.to("j.zustaendig@traeger.example")[1:])


def test_the_old_link_says_to_whom_and_when_and_shows_no_answers(app, planner, client):
    _survey_id, token = _started(app, planner, client)
    client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    for url in (f"/r/{token}", f"/r/{token}/seite/1", f"/r/{token}/pruefen"):
        old = client.get(url)
        if old.status_code == 302:  # the form pages go through the welcome page's check
            old = client.get(old.headers["Location"])
        page = text_of(old)
        assert old.status_code == 410, url
        assert "Diese Befragung wurde weitergegeben" in page and "Jana Zuständig (j…@traeger.example)" in page
        assert "Übergänge Kita – Schule" not in page and "j.zustaendig@" not in page
        assert "mailto:planner@musterhausen.example" in _html(old)  # a way to ask the planner
    # Saving from a tab left open on the old link: nothing stored, the typed answer shown to copy.
    refused = client.post(f"/r/{token}/seite/1", data={"netzwerk.fokus": "Aus dem alten Tab", "_action": "save"})
    assert refused.status_code == 410 and "Aus dem alten Tab" in text_of(refused)
    assert "Ihre letzten Eingaben wurden nicht gespeichert" in text_of(refused)
    autosave = client.post(f"/r/{token}/seite/1", data={"netzwerk.fokus": "x", "_autosave": "1"})
    assert autosave.status_code == 410 and "weitergegeben" in autosave.get_json()["message"]
    assert client.post(f"/r/{token}/start").status_code == 410
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).draft["netzwerk.fokus"] == ["Übergänge Kita – Schule"]


def test_bad_input_is_refused_in_german_and_kept(app, planner, client):
    _survey_id, token = _started(app, planner, client)
    for data, message in (({"name": "", "email": "j@traeger.example"}, "Bitte geben Sie den Namen"),
                          ({"name": "Jana", "email": "kein-at"}, "ist keine gültige E-Mail-Adresse"),
                          ({"name": "Jana", "email": "INFO@traeger.example"}, "An diese Adresse ging die Einladung"),
                          ({"name": "Jana", "email": "j@traeger.example", "note": "x" * 1001},
                           "Nachricht ist zu lang")):
        refused = client.post(f"/r/{token}/weitergeben", data={"note": "Bitte übernehmen", **data})
        page = text_of(refused)
        assert refused.status_code == 422 and message in page and "Noch nicht weitergegeben" in page
        html = _html(refused)
        assert 'id="weitergeben" open' in html and (data.get("note") or "Bitte übernehmen") in html
        assert data["email"] in html
    assert client.get(f"/r/{token}").status_code == 200  # the link still works
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delegation)) == 0


def test_an_address_with_its_own_invitation_is_refused(app, planner, client):
    with app.app_context():
        survey = make_survey(planner[0])
        token = invite(survey, "info@traeger.example", "Familienzentrum Nord")
        invite(survey, "kita@traeger.example", "Kita Süd")
    refused = client.post(f"/r/{token}/weitergeben", data={"name": "Kita", "email": "kita@traeger.example"})
    assert refused.status_code == 422 and "hat schon eine eigene Einladung" in text_of(refused)
    assert "Kita Süd" not in text_of(refused)


def test_queued_mails_to_the_old_address_are_cancelled(app, planner, client):
    _survey_id, token = _started(app, planner, client)
    deliver(app)
    with app.app_context():
        follow_up_service.remind([invitations.find_by_token(token)])
        db.session.commit()
    client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    with app.app_context():
        reminder = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        assert reminder.status is OutboxStatus.CANCELLED


def test_a_submitted_or_withdrawn_invitation_cannot_be_passed_on(app, planner, client):
    _survey_id, token = _started(app, planner, client)
    assert client.post(f"/r/{token}/pruefen").status_code == 302
    assert client.post(f"/r/{token}/weitergeben", data=COLLEAGUE).headers["Location"].endswith("/fertig")
    with app.app_context():
        survey = make_survey(planner[0], title="Zweite")
        other = invite(survey, "b@traeger.example", "B")
        follow_up_service.withdraw(invitations.find_by_token(other))
        db.session.commit()
    assert client.post(f"/r/{other}/weitergeben", data=COLLEAGUE).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delegation)) == 0


def test_the_delegation_is_in_the_audit_log_as_the_respondent_without_names(app, planner, client):
    _survey_id, token = _started(app, planner, client)
    client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "invitation.delegated"))
        assert entry is not None and entry.actor_id is None and "Befragte Person" in entry.actor_label
        assert "Familienzentrum Nord" in entry.description
        logged = f"{entry.description} {entry.before} {entry.after}"
        assert "Jana" not in logged and "zustaendig" not in logged and token not in logged


def test_a_colleague_can_pass_it_on_again_and_each_old_link_names_its_own_colleague(app, planner, client, inbox):
    _survey_id, token = _started(app, planner, client)
    client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    deliver(app)
    second = token_from_mail(inbox.to("j.zustaendig@traeger.example")[-1].get_body(("plain",)).get_content())
    client.post(f"/r/{second}/weitergeben", data={"name": "Kai Leitung", "email": "leitung@traeger.example"})
    assert "Jana Zuständig" in text_of(client.get(f"/r/{token}"))
    assert "Kai Leitung (l…@traeger.example)" in text_of(client.get(f"/r/{second}"))


def test_the_planner_sees_the_history_and_an_addressee_change_keeps_the_answers(app, planner, client):
    survey_id, token = _started(app, planner, client)
    client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    planner_client = login(app.test_client(), planner[1])
    with app.app_context():
        invitation_id = _invitation(app).id
    url = f"/surveys/{survey_id}/invitations/{invitation_id}"
    page = text_of(planner_client.get(url))
    assert "Weitergaben und Empfängerwechsel" in page
    assert "info@traeger.example" in page and "Jana Zuständig" in page and "Du kennst die Zahlen besser" in page
    form = planner_client.get(url).get_data(as_text=True)
    version = re.search(r'name="_version" value="([^"]+)"', form).group(1)
    changed = planner_client.post(f"{url}/address", data={"_version": version, "address": "leitung@traeger.example",
                                                          "contact_name": "Kai Leitung"}, follow_redirects=True)
    shown = text_of(changed)
    assert "Die bisherigen Antworten bleiben erhalten" in shown
    assert "Kai Leitung" in shown
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.email == "leitung@traeger.example" and invitation.contact_name == "Kai Leitung"
        assert db.session.scalar(sa.select(Response)).draft["netzwerk.fokus"] == ["Übergänge Kita – Schule"]
        assert invitation.status is InvitationStatus.IN_PROGRESS
        history = db.session.scalars(sa.select(Delegation).order_by(Delegation.id)).all()
        assert [h.source for h in history] == ["respondent", "planner"]
        assert history[1].from_email == "j.zustaendig@traeger.example"
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "invitation.addressee"))


def test_another_kommunes_planner_sees_no_history(app, planner, client):
    survey_id, token = _started(app, planner, client)
    client.post(f"/r/{token}/weitergeben", data=COLLEAGUE)
    _other_id, other_email = make_user(app, "planner", kommune="Kreis Anderswo", email="p@anderswo.example")
    other = login(app.test_client(), other_email)
    with app.app_context():
        invitation_id = _invitation(app).id
    seen = other.get(f"/surveys/{survey_id}/invitations/{invitation_id}")
    assert seen.status_code in (403, 404) and "Jana" not in text_of(seen)
