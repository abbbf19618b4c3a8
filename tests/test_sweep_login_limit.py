"""The login limit under attack, what tests/test_login_throttle.py leaves open: one account guessed
from many addresses, the time the page names is the stored one, the reset page says when, the
reset mail is limited per account whichever address asks, and a quiet day starts the count again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from factories import PASSWORD, deliver, make_user
from questionnaires import formatting as fmt
from survey.extensions import db
from survey.models import Throttle
from survey.services import throttle
from test_login_throttle import WRONG, attempt, page, time_passes


def _until(app, scope: str) -> dt.datetime:
    with app.app_context():
        return db.session.scalar(sa.select(Throttle.blocked_until).where(Throttle.scope == scope))


def test_one_account_guessed_from_many_addresses_is_slowed_for_every_address(app, planner, client):
    for n in range(throttle.LOGIN_ACCOUNT.free + 1):
        assert attempt(client, planner[1], addr=f"198.51.100.{n + 1}").status_code == 200
    # A fresh address does not help: the account itself waits, even with the right password.
    blocked = attempt(client, planner[1], PASSWORD, addr="192.0.2.200")
    assert blocked.status_code == 429
    assert client.get("/uebersicht").status_code == 302
    # The time the page names is the stored end of the wait, in Berlin time.
    assert f"ab {fmt.time(_until(app, 'login-account'))} Uhr" in page(blocked)
    # Another account from that fresh address is not slowed by it.
    other = make_user(app, "analyst")
    assert attempt(client, other[1], PASSWORD, addr="192.0.2.200").status_code == 302


def test_the_reset_page_says_from_when_the_next_request_is_heard(app, client):
    for _ in range(throttle.RESET_CLIENT.free + 1):
        client.post("/passwort-vergessen", data={"email": "x@example.org"})
    response = client.post("/passwort-vergessen", data={"email": "y@example.org"})
    assert response.status_code == 429
    assert f"Der nächste Versuch ist ab {fmt.time(_until(app, 'reset-client'))} Uhr" in page(response)


def test_reset_mail_is_limited_per_account_whichever_address_asks(app, planner, inbox):
    client = app.test_client()
    for n in range(6):
        response = client.post("/passwort-vergessen", data={"email": planner[1]},
                               environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"})
        assert response.status_code == 200
    deliver(app)
    assert len(inbox.to(planner[1])) == 1


def test_a_day_without_failures_starts_the_count_again(app, planner, client):
    for _ in range(throttle.LOGIN_ACCOUNT.free + 1):
        attempt(client, planner[1])
    assert attempt(client, planner[1]).status_code == 429
    time_passes(app, throttle.DECAY + dt.timedelta(minutes=1))
    # Five new failures are free again: no wait is named, the sixth one waits again.
    for _ in range(throttle.LOGIN_ACCOUNT.free):
        response = attempt(client, planner[1], WRONG)
        assert response.status_code == 200 and "nächste Versuch" not in page(response)
    assert "nächste Versuch" in page(attempt(client, planner[1], WRONG))
