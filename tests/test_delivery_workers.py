"""Slow batches and several mail workers: a claim is renewed while its batch is sent, so nobody
re-claims it, and MAIL_RATE_PER_MINUTE holds for all workers together (real database, real SMTP
server, real threads; time is virtual, so minutes of sending take no real waiting)."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import threading
import time as _time
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from survey import create_app
from survey.extensions import db
from survey.models import OutboxMessage, OutboxStatus, utc_now
from survey.services import delivery
from test_outbox import _dispose, _invite_many, free_port

LEASE_SECONDS = 60


class VirtualTime:
    """A clock shared by a fixed set of threads: time moves on only when all of them sleep, and
    then straight to the earliest wake-up. Sending and database work take no virtual time."""

    def __init__(self, participants: int) -> None:
        self.now = utc_now()
        self.running = participants
        self.wakes: list[dt.datetime] = []
        self.cond = threading.Condition()

    def clock(self) -> dt.datetime:
        return self.now

    def _advance(self) -> None:
        if self.running == 0 and self.wakes:
            self.now = max(self.now, min(self.wakes))
            self.cond.notify_all()

    def sleep(self, seconds: float) -> None:
        with self.cond:
            wake = self.now + dt.timedelta(seconds=seconds)
            self.wakes.append(wake)
            self.running -= 1
            self._advance()
            while self.now < wake:
                if not self.cond.wait(timeout=30):
                    raise RuntimeError("virtual time is stuck")
            self.wakes.remove(wake)
            self.running += 1

    def leave(self) -> None:
        with self.cond:
            self.running -= 1
            self._advance()


class Relay:
    """Keeps the Message-ID of every accepted mail with the virtual moment it arrived."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.received: list[tuple[dt.datetime, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message_id = next(line for line in envelope.content.decode().splitlines() if line.startswith("Message-ID:"))
        with self.lock:
            self.received.append((self.time.clock(), message_id))
        return "250 OK"


@pytest.fixture
def virtual_time(monkeypatch):
    def start(participants: int) -> VirtualTime:
        time = VirtualTime(participants)
        monkeypatch.setattr(delivery, "clock", time.clock)
        monkeypatch.setattr(delivery, "sleep", time.sleep)
        return time
    return start


@pytest.fixture
def relay_app(app):
    """A relay of our own and an app (worker) that sends to it with a short lease."""
    made = []

    def start(time: VirtualTime, per_minute: int, lease: int = LEASE_SECONDS):
        relay = Relay(time)
        controller = Controller(relay, hostname="127.0.0.1", port=free_port())
        controller.start()
        worker = create_app(dict(app.config, MAIL_PORT=controller.port, MAIL_RATE_PER_MINUTE=per_minute,
                                 MAIL_LEASE_SECONDS=lease))
        made.append((controller, worker))
        return relay, worker

    yield start
    for controller, worker in made:
        controller.stop()
        _dispose(worker)


def _unsent(worker) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status != OutboxStatus.SENT))


def test_a_slow_batch_keeps_its_claim_for_longer_than_the_lease(app, planner, virtual_time, relay_app):
    """One batch of 6 mails at 6 a minute takes 50 s, 2.5 times a 20 s lease: a second worker
    looking every 5 s finds nothing to claim, and every mail arrives once."""
    _invite_many(app, planner, 6)
    time = virtual_time(participants=2)
    relay, worker = relay_app(time, per_minute=6, lease=20)
    errors: list[BaseException] = []

    def first_worker() -> None:
        try:
            with worker.app_context():
                assert delivery.deliver_due().sent == 6
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 -- reported by the main thread
            errors.append(error)
        finally:
            time.leave()

    thread = threading.Thread(target=first_worker)
    thread.start()
    stolen = []
    with worker.app_context():
        for _look in range(12):  # one virtual minute
            time.sleep(5)
            stolen += delivery.claim_due()
        db.session.remove()
    time.leave()
    thread.join(60)
    assert not errors, errors
    assert stolen == []
    ids = [message_id for _at, message_id in relay.received]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert relay.received[-1][0] - relay.received[0][0] == dt.timedelta(seconds=50)  # 5 gaps of 10 s


def test_a_worker_that_stalled_past_its_lease_leaves_a_reclaimed_mail_to_the_other(app, planner, relay_app):
    """The first worker's claim ran out and a second worker claimed the mail: the first one must
    not send it too."""
    _invite_many(app, planner, 2)
    time = VirtualTime(participants=1)
    relay, worker = relay_app(time, per_minute=0)
    with worker.app_context():
        claims = delivery._Claims(delivery.claim_due())
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utc_now() - dt.timedelta(seconds=1)))
        db.session.commit()  # the lease ran out while the first worker hung
        assert len(delivery.claim_due()) == 2  # a second worker claims both
        db.session.remove()
        assert [claims.still_ours(row_id) for row_id in list(claims.attempts)] == [False, False]
        db.session.remove()
    assert relay.received == []


@pytest.mark.postgres_only
def test_two_workers_on_postgresql_with_a_low_rate_send_nothing_twice_and_keep_the_rate(
        app, planner, virtual_time, relay_app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL's row locks (SQLite runs one worker)")
    _invite_many(app, planner, 16)
    time = virtual_time(participants=2)
    relay, worker = relay_app(time, per_minute=4)  # a batch of 4 shares its slots: 2 minutes > lease
    errors: list[BaseException] = []
    sent: list[int] = []

    def run() -> None:
        try:
            with worker.app_context():
                total = 0
                while _unsent(worker):
                    report = delivery.deliver_due()
                    total += report.sent
                    if not report.sent:
                        time.sleep(5)  # the other worker holds the rest
                sent.append(total)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 -- reported by the main thread
            errors.append(error)
        finally:
            time.leave()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    ids = [message_id for _at, message_id in relay.received]
    assert len(ids) == 16 and len(set(ids)) == 16  # nothing twice
    assert all(sent) and sum(sent) == 16  # both workers really sent
    moments = sorted(at for at, _id in relay.received)
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert min(gaps) >= dt.timedelta(seconds=15)  # 4 a minute for both together, not each


def _relay() -> tuple[Relay, Controller]:
    relay = Relay(VirtualTime(participants=1))
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    return relay, controller


def _real_worker(app, instance, port: int, stderr, *args: str, **settings: str) -> subprocess.Popen:
    """The real `flask mail send --watch` (as systemd runs it) on the test database, sending to `port`."""
    env = {**os.environ, "FLASK_APP": "wsgi.py", "LUECKENLOS_INSTANCE": str(instance), "SECRET_KEY": "test-only-secret",
           "LINK_KEYS": app.config["LINK_KEYS"], "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "LUECKENLOS_DEMO": "false",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
           "MAIL_DEFAULT_SENDER": "Stadt Musterhausen <lueckenlos@musterhausen.de>", **settings}
    return subprocess.Popen([str(Path(sys.executable).with_name("flask")), "mail", "send", "--watch", *args],
                            cwd=Path(__file__).resolve().parent.parent, env=env, stdout=subprocess.DEVNULL,
                            stderr=stderr)


def test_kill_9_of_the_worker_mid_batch_loses_nothing(app, planner, monkeypatch, tmp_path):
    """The real `flask mail send --watch` is killed with SIGKILL in the middle of a batch; after its
    lease a second worker delivers the rest: every invitation arrives, at most the one mail that
    was in flight arrives twice (same Message-ID)."""
    _invite_many(app, planner, 30)
    relay, controller = _relay()
    worker = _real_worker(app, tmp_path, controller.port, subprocess.DEVNULL, MAIL_RATE_PER_MINUTE="300")
    try:
        deadline = _time.monotonic() + 60  # a bound, not a timing: the worker starts and sends
        while len(relay.received) < 5 and _time.monotonic() < deadline and worker.poll() is None:
            _time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        before = len(relay.received)
        assert 5 <= before < 30  # killed mid-batch
        later = utc_now() + dt.timedelta(seconds=301)  # the dead worker's lease has run out
        monkeypatch.setattr(delivery, "clock", lambda: later)
        second = create_app(dict(app.config, MAIL_PORT=controller.port))
        with second.app_context():
            assert delivery.deliver_due().sent >= 30 - before - 1
            assert _unsent(second) == 0
            db.session.remove()
        _dispose(second)
    finally:
        if worker.poll() is None:
            worker.kill()
        controller.stop()
    counts = collections.Counter(message_id for _at, message_id in relay.received)
    assert len(counts) == 30  # nothing lost
    assert sum(n - 1 for n in counts.values()) <= 1  # at most the mail in flight, same Message-ID


@pytest.mark.postgres_only
def test_the_real_worker_survives_a_restart_of_postgresql(app, planner, tmp_path):
    """PostgreSQL stopped and started under a running `flask mail send --watch`: the worker backs off, logs it,
    reconnects and delivers everything; at most the mail whose "sent" could not be committed
    arrives twice (same Message-ID, after its short lease)."""
    data, pg_bin = os.environ.get("PGTEST_DATA"), os.environ.get("PGTEST_BIN")
    if not (app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and data and pg_bin):
        pytest.skip("needs the throw-away PostgreSQL cluster of scripts/with-postgres.sh")
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    _invite_many(app, planner, 20)
    relay, controller = _relay()
    log = tmp_path / "worker.log"
    with log.open("w") as stderr:
        worker = _real_worker(app, tmp_path, controller.port, stderr, "--interval", "0.5",
                              MAIL_RATE_PER_MINUTE="120", MAIL_LEASE_SECONDS="6")
    try:
        deadline = _time.monotonic() + 60  # bounds, not timings
        while len(relay.received) < 3 and _time.monotonic() < deadline and worker.poll() is None:
            _time.sleep(0.05)
        # Down for a few seconds, as in a restart after an update (the server's output goes to its
        # log file: captured pipes would stay open with the server).
        pg_ctl = [*run_as, f"{pg_bin}/pg_ctl", "-D", data, "-l", f"{data}/server.log", "-w"]
        quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 60}
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], **quiet)
        deadline = _time.monotonic() + 30
        while "database unavailable" not in log.read_text() and _time.monotonic() < deadline:
            _time.sleep(0.2)
        subprocess.run([*pg_ctl, "-o", os.environ.get("PGTEST_OPTIONS", ""), "start"], **quiet)
        deadline = _time.monotonic() + 120
        while len({m for _at, m in relay.received}) < 20 and _time.monotonic() < deadline and worker.poll() is None:
            _time.sleep(0.2)
        assert worker.poll() is None, log.read_text()  # still running after the restart
    finally:
        worker.terminate()
        worker.wait(10)
        controller.stop()
    counts = collections.Counter(message_id for _at, message_id in relay.received)
    assert len(counts) == 20  # nothing lost
    assert sum(n - 1 for n in counts.values()) <= 1
    text = log.read_text()
    assert "database unavailable" in text and "database reachable again" in text
