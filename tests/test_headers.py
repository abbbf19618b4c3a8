"""Security headers and caching, generated over every GET route without arguments."""

from __future__ import annotations

import sqlalchemy as sa

from factories import login
from survey import create_app
from survey.extensions import db


def simple_get_routes(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static")


def test_every_page_forbids_caching_framing_and_sniffing(app, planner_client):
    routes = simple_get_routes(app)
    assert "/healthz" in routes and len(routes) > 5
    for route in routes:
        response = planner_client.get(route)
        assert response.headers["Cache-Control"] == "no-store", route
        assert response.headers["X-Content-Type-Options"] == "nosniff", route
        assert response.headers["X-Frame-Options"] == "DENY", route


def test_static_files_stay_cacheable(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_a_database_error_still_gets_the_german_error_page(app, planner):
    second = create_app(dict(app.config, PROPAGATE_EXCEPTIONS=False))

    @second.get("/_test/broken-statement")
    def broken():  # a statement fails and the view does not roll back: the error page must still render
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    client = second.test_client()
    login(client, planner[1])
    response = client.get("/_test/broken-statement")
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.get_data(as_text=True)
    with second.app_context():
        db.session.remove()
        db.engine.dispose()
