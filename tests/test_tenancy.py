"""A planner or analyst only ever sees the own Kommune's data; another Kommune's objects are 404."""

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Invitation, Survey

from factories import invite, login, make_survey, make_user


@pytest.fixture
def foreign_survey_id(app):
    other_id, _email = make_user(app, "planner", kommune="Stadt Anderswo")
    with app.app_context():
        survey = make_survey(other_id, title="Geheim in Anderswo")
        invite(survey, "x@anderswo.example")
        return survey.id


@pytest.mark.parametrize("path", [
    "/surveys/{id}", "/surveys/{id}/edit", "/surveys/{id}/invitations", "/results/{id}",
    "/results/{id}/antworten.csv", "/results/{id}/chart/netzwerk.wirkungskreis.png",
    "/results/{id}/bericht.pdf", "/results/{id}/auswertung.xlsx", "/results/{id}/vorbereiten/bericht",
    "/results/{id}/vorbereiten/arbeitsmappe/status?starten=1",
])
def test_other_kommunes_survey_is_not_found(planner_client, foreign_survey_id, path):
    response = planner_client.get(path.format(id=foreign_survey_id))
    assert response.status_code == 404
    assert "Anderswo" not in response.get_data(as_text=True)


def test_other_kommunes_survey_cannot_be_changed(app, planner_client, foreign_survey_id):
    closing = planner_client.post(f"/surveys/{foreign_survey_id}/close")
    inviting = planner_client.post(f"/surveys/{foreign_survey_id}/invitations", data={"addresses": "a@b.example"})
    for response in (closing, inviting):
        assert response.status_code == 404
        assert "Anderswo" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Survey, foreign_survey_id).is_open  # still open
        addresses = db.session.scalars(sa.select(Invitation.email).where(Invitation.survey_id == foreign_survey_id))
        assert list(addresses) == ["x@anderswo.example"]  # nobody invited


def test_lists_show_only_own_surveys(app, planner, planner_client, foreign_survey_id):
    with app.app_context():
        make_survey(planner[0], title="Unsere Befragung")
    for path in ("/surveys/", "/results/"):
        page = planner_client.get(path).get_data(as_text=True)
        assert "Unsere Befragung" in page and "Geheim in Anderswo" not in page


def test_pages_require_login(client, foreign_survey_id):
    for path in (f"/surveys/{foreign_survey_id}", f"/results/{foreign_survey_id}", "/surveys/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert "Anderswo" not in response.get_data(as_text=True)
    login_page = client.get(f"/surveys/{foreign_survey_id}", follow_redirects=True).get_data(as_text=True)
    assert "Anmelden" in login_page and "Anderswo" not in login_page


def test_analyst_cannot_use_planner_pages(app, analyst_client, planner):
    with app.app_context():
        survey_id = make_survey(planner[0], title="Nur für Planende sichtbar").id
        invite(db.session.get(Survey, survey_id), "kita@eigene.example")
    for path in ("/surveys/", f"/surveys/{survey_id}/invitations"):
        refused = analyst_client.get(path)
        assert refused.status_code == 403
        assert "kita@eigene.example" not in refused.get_data(as_text=True)
    results = analyst_client.get(f"/results/{survey_id}")
    assert results.status_code == 200 and "Nur für Planende sichtbar" in results.get_data(as_text=True)
    assert "kita@eigene.example" not in results.get_data(as_text=True)  # analysts never see addresses


def test_wrong_password_gets_german_message(client, planner):
    response = client.post("/login", data={"email": planner[1], "password": "falsch"})
    assert response.status_code == 200
    assert "E-Mail-Adresse oder Passwort stimmen nicht" in response.get_data(as_text=True)
    assert login(client, planner[1])
