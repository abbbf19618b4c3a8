"""A NUL byte in any input is dropped before it reaches a view, so PostgreSQL stores the text too."""

from __future__ import annotations

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Actor, Survey
from test_headers import simple_get_routes


def test_every_page_takes_nul_bytes_in_the_query_string(app, planner_client):
    for route in simple_get_routes(app):
        response = planner_client.get(route, query_string={"q": "Kita\x00", "suche": "\x00", "seite": "1\x00"})
        assert response.status_code < 500, route
        response.close()


def test_planner_text_with_nul_bytes_is_saved_without_them(app, planner_client):
    response = planner_client.post("/actors/new", data={"name": "Familien\x00zentrum Nord", "email": "fz@nord.de",
                                                        "notes": "Träger\x00 der Jugendhilfe"})
    assert response.status_code == 302
    response = planner_client.post("/surveys/new", data={"title": "Bestands\x00aufnahme 2027", "start": ""})
    assert response.status_code == 302
    with app.app_context():
        actor = db.session.scalar(sa.select(Actor))
        assert (actor.name, actor.notes) == ("Familienzentrum Nord", "Träger der Jugendhilfe")
        assert db.session.scalar(sa.select(Survey.title)) == "Bestandsaufnahme 2027"
