"""Guessing passwords gets slower: growing waits per account and per client, no hard lockout.

Time passing is simulated by moving the stored counters back (the clock is the database row),
never by sleeping.
"""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from survey import create_app
from survey.extensions import db
from survey.models import Throttle
from survey.services import throttle
from tests.factories import PASSWORD

WRONG = "falsch-falsch-falsch"


def attempt(client, email, password=WRONG, addr="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr})


def time_passes(app, delta: dt.timedelta) -> None:
    with app.app_context():
        for row in db.session.scalars(sa.select(Throttle)):
            row.last_at -= delta
            row.blocked_until = row.blocked_until and row.blocked_until - delta
        db.session.commit()


def page(response) -> str:
    return response.get_data(as_text=True)


@given(st.integers(min_value=0, max_value=500))
def test_waits_grow_and_are_capped(failures):
    for rule in (throttle.LOGIN_ACCOUNT, throttle.LOGIN_CLIENT, throttle.RESET_CLIENT):
        wait = throttle.wait_after(failures, rule)
        assert wait <= throttle.CAP
        assert (wait == dt.timedelta(0)) == (failures <= rule.free)
        assert throttle.wait_after(failures + 1, rule) >= wait


def test_account_slows_down_after_five_failures_then_lets_the_right_password_in(app, planner, client):
    email = planner[1]
    for _ in range(throttle.LOGIN_ACCOUNT.free):
        response = attempt(client, email)
        assert response.status_code == 200
        assert "stimmen nicht" in page(response) and "nächste Versuch" not in page(response)
    sixth = attempt(client, email)
    assert "stimmen nicht" in page(sixth) and "Der nächste Versuch ist ab" in page(sixth)

    # Even the right password waits: a guess costs the wait, right or wrong. The address stays typed.
    blocked = attempt(client, email, PASSWORD)
    assert blocked.status_code == 429
    assert "Der nächste Versuch ist ab" in page(blocked) and "Uhr" in page(blocked)
    assert f'value="{email}"' in page(blocked)
    assert client.get("/uebersicht").status_code == 302  # not logged in

    time_passes(app, throttle.FIRST_WAIT + dt.timedelta(seconds=1))
    assert attempt(client, email, PASSWORD).status_code == 302
    with app.app_context():  # the success forgets the account's counter
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Throttle)
                                 .where(Throttle.scope == "login-account")) == 0


def test_unknown_address_is_throttled_the_same(app, client):
    for _ in range(throttle.LOGIN_ACCOUNT.free):
        attempt(client, "niemand@example.org")
    assert "Der nächste Versuch ist ab" in page(attempt(client, "niemand@example.org"))
    assert attempt(client, "niemand@example.org").status_code == 429


def test_waits_grow_without_locking_out(app, planner, client):
    email = planner[1]
    waits = []
    for _ in range(12):
        for _ in range(50):  # try until heard again, then fail once more
            response = attempt(client, email)
            if response.status_code != 429:
                break
            time_passes(app, dt.timedelta(seconds=30))
        with app.app_context():
            row = db.session.scalar(sa.select(Throttle).where(Throttle.scope == "login-account"))
            waits.append(row.blocked_until and (row.blocked_until - row.last_at))
    heard = [w for w in waits if w]
    assert heard == sorted(heard) and heard[-1] == throttle.CAP  # longer each time, never beyond 15 min
    time_passes(app, throttle.CAP)
    assert attempt(client, email, PASSWORD).status_code == 302  # no lockout


def test_one_client_guessing_many_accounts_is_slowed_but_others_are_not(app, planner, client):
    for n in range(throttle.LOGIN_CLIENT.free + 1):
        attempt(client, f"probe{n}@example.org", addr="203.0.113.7")
    assert attempt(client, planner[1], PASSWORD, addr="203.0.113.7").status_code == 429
    assert attempt(client, planner[1], PASSWORD, addr="198.51.100.2").status_code == 302


def test_counters_hold_no_address_in_clear(app, planner, client):
    attempt(client, planner[1], addr="203.0.113.7")
    with app.app_context():
        rows = db.session.execute(sa.select(Throttle.scope, Throttle.key_hash)).all()
    assert rows and all(planner[1] not in key and "203.0.113.7" not in key for _scope, key in rows)


def test_failures_from_several_servers_at_once_are_all_counted(app):
    """Counting is one atomic upsert, so parallel failures (threads = app servers) are not lost."""
    def fail():
        with app.app_context():
            throttle.record_failure(throttle.LOGIN_ACCOUNT, "parallel@example.org")
            db.session.commit()

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        assert db.session.scalar(sa.select(Throttle.failures)) == 8


def test_forwarded_address_counts_only_behind_a_trusted_proxy(app, planner, client):
    # Without a trusted proxy, a forged X-Forwarded-For changes nothing: still the same client.
    for n in range(throttle.LOGIN_CLIENT.free + 1):
        client.post("/login", data={"email": f"p{n}@example.org", "password": WRONG},
                    headers={"X-Forwarded-For": f"192.0.2.{n}"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert attempt(client, planner[1], PASSWORD, addr="203.0.113.9").status_code == 429

    proxied = create_app({**{k: app.config[k] for k in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BASE_URL", "MAIL_SERVER", "MAIL_PORT",
        "DEMO_MODE", "WTF_CSRF_ENABLED")}, "TRUSTED_PROXIES": 1})
    behind_nginx = proxied.test_client()
    response = behind_nginx.post("/login", data={"email": planner[1], "password": PASSWORD},
                                 headers={"X-Forwarded-For": "198.51.100.20"},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 302  # the real client, told by nginx, is not the blocked one
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def test_reset_requests_are_limited_per_client(app, client):
    for _ in range(throttle.RESET_CLIENT.free + 1):  # the next one after these waits
        assert client.post("/passwort-vergessen", data={"email": "x@example.org"}).status_code == 200
    response = client.post("/passwort-vergessen", data={"email": "jemand@example.org"})
    assert response.status_code == 429
    assert "zu viele Anfragen" in page(response) and 'value="jemand@example.org"' in page(response)
