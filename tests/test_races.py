"""Concurrent requests on one response lose nothing and double nothing (real database, real threads).

Two tabs (or two colleagues sharing one link) saving different pages at the same moment keep both
pages; a double first start answers with the same response, not a 500; a double submit queues one
confirmation mail.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from factories import PRIVACY, invite
from survey.extensions import db
from survey.models import OutboxMessage, Response, Survey, User
from survey.services import surveys

ROUNDS = 12


@pytest.fixture
def two_page_survey(app, planner):
    """An open survey with "Wirkungskreis" on page 1 and "Fokus" on page 2."""
    with app.app_context():
        user = db.session.get(User, planner[0])
        survey = surveys.create_survey(user.kommune, user, "Zwei Seiten", contact_name="P", contact_email=user.email,
                                       privacy_notice=PRIVACY)
        catalogue = app.extensions["catalogue"]
        surveys.add_question(survey, catalogue.get("netzwerk.wirkungskreis"))
        second = surveys.add_page(survey, "Zweite Seite")
        item = surveys.add_question(survey, catalogue.get("netzwerk.fokus"))
        surveys.move_to_page(survey, item, second)
        surveys.open_survey(survey)
        db.session.commit()
        return survey.id


def at_once(*calls):
    """Run the calls in threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, call):
        barrier.wait(timeout=30)
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_tabs_saving_different_pages_at_once_keep_both(app, two_page_survey):
    for n in range(ROUNDS):
        with app.app_context():
            token = invite(db.session.get(Survey, two_page_survey), address=f"org{n}@traeger.example")
        first, second = app.test_client(), app.test_client()
        first.post(f"/r/{token}/start")
        replies = at_once(
            lambda first=first, token=token: first.post(
                f"/r/{token}/seite/1", data={"netzwerk.wirkungskreis": "stadtteil", "_action": "save"}),
            lambda second=second, token=token, n=n: second.post(
                f"/r/{token}/seite/2", data={"netzwerk.fokus": f"Fokus {n}", "_action": "save"}),
        )
        assert [r.status_code for r in replies] == [302, 302]
        with app.app_context():
            response = db.session.scalars(sa.select(Response).order_by(Response.id.desc())).first()
            assert response.draft.get("netzwerk.wirkungskreis") == ["stadtteil"], n
            assert response.draft.get("netzwerk.fokus") == [f"Fokus {n}"], n


def test_a_double_first_start_opens_one_response(app, two_page_survey):
    for n in range(ROUNDS):
        with app.app_context():
            token = invite(db.session.get(Survey, two_page_survey), address=f"start{n}@traeger.example")
        clients = [app.test_client() for _ in range(3)]
        replies = at_once(*[lambda c=c, token=token: c.post(f"/r/{token}/start") for c in clients])
        assert [r.status_code for r in replies] == [302] * 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == ROUNDS


def test_a_double_submit_sends_one_confirmation(app, two_page_survey):
    for n in range(ROUNDS):
        with app.app_context():
            token = invite(db.session.get(Survey, two_page_survey), address=f"submit{n}@traeger.example")
        clients = [app.test_client() for _ in range(2)]
        clients[0].post(f"/r/{token}/start")
        clients[0].post(f"/r/{token}/seite/1", data={"netzwerk.wirkungskreis": "stadtteil", "_action": "save"})
        replies = at_once(*[lambda c=c, token=token: c.post(f"/r/{token}/pruefen") for c in clients])
        assert [r.status_code for r in replies] == [302, 302]
    with app.app_context():
        confirmations = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "confirmation")).all()
        assert len(confirmations) == ROUNDS
