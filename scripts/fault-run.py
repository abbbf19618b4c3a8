#!/usr/bin/env python3
"""Fault runs (issue 13, "Done means"): the real processes under faults, with the figures a closing
note needs — mails sent / lost / doubled per case, acknowledged saves / lost.

    .venv/bin/python scripts/fault-run.py [--cases flaky,ambiguous,outage,kill,workers,saves] [--mails 300]
    PGTEST_PORT=55432 bash scripts/with-postgres.sh .venv/bin/python scripts/fault-run.py

The database is SQLite in a temporary folder, or PostgreSQL when DATABASE_URL is set. Every mail
case starts the real worker(s) (`flask mail send --watch`, as systemd does) against an aiosmtpd
relay in this process that drops or refuses; the save case runs gunicorn with `gunicorn.conf.py`.

Clock: retries wait minutes (back-off 1, 2, 4 … min; a refused server 1 min). So that a run takes
minutes, not hours, this script fast-forwards the queue like the tests' injectable clock: every
second, mails that wait for a retry ("pending", not claimed) are made due now. Leases of claimed
mails are never touched, so the double-send protection is tested for real.

Counting: a mail is "sent" when the relay stored it, "doubled" when the relay stored its
Message-ID more than once, "lost" when its invitation was neither received nor shows
"Zustellung fehlgeschlagen". Prints a Markdown section for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import itertools
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from aiosmtpd.controller import Controller

from benchmarks.common import BENCHMARK_LINK_KEY, machine, make_app, quiet_logging
from benchmarks.load import Gunicorn, build_survey, free_port

ROOT = Path(__file__).resolve().parent.parent

FLASK = str(Path(sys.executable).with_name("flask"))
BOUND = 240.0  # seconds a mail case may take before it is reported as unfinished
MESSAGE_ID = re.compile(r"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)
REVISION = re.compile(r'name="_revision" value="(\d+)"')
BASE = re.compile(r'name="_base" value="([^"]*)"')


class Relay:
    """An SMTP relay that stores mails and, by choice, drops a share of connections in DATA.

    `drop_before`: the connection vanishes before the relay stored the mail (no verdict: it must
    be sent again). `drop_after`: stored, then the connection vanishes before the reply (the
    ambiguous window: a resend with the same Message-ID is allowed and counted).
    """

    def __init__(self, drop_before: float = 0.0, drop_after: float = 0.0, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        self.drop_before, self.drop_after = drop_before, drop_after
        self.stored: list[tuple[float, str]] = []  # (monotonic time, Message-ID)
        self.dropped_before = self.dropped_after = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        match = MESSAGE_ID.search(envelope.content.decode(errors="replace"))
        message_id = match.group(1) if match else "?"
        with self.lock:
            luck = self.rng.random()
            if luck < self.drop_before:
                self.dropped_before += 1
                server.transport.close()
                return "421 dropped"
            self.stored.append((time.monotonic(), message_id))
            if luck < self.drop_before + self.drop_after:
                self.dropped_after += 1
                server.transport.close()
                return "421 dropped"
        return "250 OK"


class Case:
    """One throw-away instance (folder + database) with a survey and `mails` queued invitations."""

    def __init__(self, name: str, mails: int, database: str | None) -> None:
        self.name = name
        self.tmp = tempfile.TemporaryDirectory(prefix="lueckenlos-fault-")
        self.instance = Path(self.tmp.name)
        self.database = database or f"sqlite:///{self.instance / 'bench.sqlite'}"  # make_app's file
        self.app = make_app(self.instance, database)
        self.tokens, self.answers, _seconds = build_survey(self.app, mails)
        self.workers: list[tuple[subprocess.Popen, Path]] = []
        self.stop = threading.Event()
        self._dispose()

    def _dispose(self) -> None:
        from survey.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "LUECKENLOS_INSTANCE": str(self.instance), "SECRET_KEY": "fault-run-only",
                "LINK_KEYS": BENCHMARK_LINK_KEY,
                "DATABASE_URL": self.database, "LUECKENLOS_DEMO": "false", "FLASK_APP": "wsgi.py",
                "BASE_URL": "http://127.0.0.1:5000", "PYTHONUNBUFFERED": "1",
                "MAIL_DEFAULT_SENDER": "Stadt Musterhausen <lueckenlos@musterhausen.de>", **extra}

    def start_worker(self, port: int, **extra: str) -> subprocess.Popen:
        log = self.instance / f"worker-{len(self.workers)}.log"
        process = subprocess.Popen(
            [FLASK, "mail", "send", "--watch", "--interval", "0.5"], cwd=ROOT,
            env=self.env(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), **extra),
            stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.workers.append((process, log))
        return process

    def fast_forward(self) -> None:
        """The fast clock: whatever waits for a retry is due now (claimed mails keep their lease)."""
        import sqlalchemy as sa

        from survey.extensions import db
        from survey.models import OutboxMessage, OutboxStatus

        while not self.stop.wait(1.0):
            try:
                with self.app.app_context():
                    db.session.execute(sa.update(OutboxMessage)
                                       .where(OutboxMessage.status == OutboxStatus.PENDING)
                                       .values(next_attempt_at=dt.datetime.now(dt.UTC)))
                    db.session.commit()
                    db.session.remove()
            except Exception:  # noqa: BLE001 -- a locked SQLite file: try again next second
                pass

    def statuses(self) -> dict[str, int]:
        import sqlalchemy as sa

        from survey.extensions import db
        from survey.models import OutboxMessage

        with self.app.app_context():
            rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
            result = {status.value: n for status, n in rows}
            db.session.remove()
        return result

    def wait_settled(self, bound: float = BOUND) -> bool:
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            states = self.statuses()
            if not states.get("pending") and not states.get("sending"):
                return True
            time.sleep(0.5)
        return False

    def outcome(self, relay: Relay) -> dict:
        """sent / lost / doubled, and failed visibly, from the relay and the invitations."""
        import sqlalchemy as sa

        from survey.extensions import db
        from survey.models import Invitation, InvitationStatus, OutboxMessage

        counts = collections.Counter(message_id for _at, message_id in relay.stored)
        with self.app.app_context():
            rows = db.session.execute(
                sa.select(OutboxMessage.message_id, Invitation.status)
                .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
                .where(OutboxMessage.kind == "invitation")).all()
            attempts = db.session.scalar(sa.select(sa.func.max(OutboxMessage.attempts)))
            db.session.remove()
        received = {f"<{m.strip('<>')}>" for m in counts}
        failed = sum(1 for _mid, status in rows if status is InvitationStatus.FAILED)
        lost = sum(1 for mid, status in rows
                   if f"<{mid.strip('<>')}>" not in received and status is not InvitationStatus.FAILED)
        return {"mails": len(rows), "sent": len(counts), "lost": lost,
                "doubled": sum(n - 1 for n in counts.values() if n > 1),
                "failed_visibly": failed, "max_attempts": attempts or 0}

    def close(self) -> None:
        self.stop.set()
        for process, _log in self.workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.tmp.cleanup()


def worker_sent(log: Path) -> int:
    return sum(int(m) for m in re.findall(r"zugestellt: (\d+)", log.read_text(errors="replace")))


def mail_case(name: str, mails: int, database: str | None, relay: Relay, *, workers: int = 1,
              relay_delay: float = 0.0, kill_after: int = 0, **worker_env: str) -> dict:
    """Queue `mails` invitations, run the worker(s) against `relay` until the queue settles."""
    case = Case(name, mails, database)
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    ticker = threading.Thread(target=case.fast_forward, daemon=True)
    started = time.monotonic()
    notes = []
    relay_running = False
    try:
        if not relay_delay:
            controller.start()
            relay_running = True
        ticker.start()
        for _n in range(workers):
            case.start_worker(port, **worker_env)
        if relay_delay:  # the relay is down (connection refused) for a while
            time.sleep(relay_delay)
            notes.append(f"{case.statuses().get('sent', 0)} sent while refused")
            controller.start()
            relay_running = True
        if kill_after:
            while len(relay.stored) < kill_after and time.monotonic() - started < BOUND:
                time.sleep(0.05)
            victim, _log = case.workers[0]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            notes.append(f"worker killed (-9) after {len(relay.stored)} mails; a new worker started")
            case.start_worker(port, **worker_env)
        settled = case.wait_settled()
        seconds = time.monotonic() - started
        result = case.outcome(relay)
        result.update(case=name, seconds=seconds, settled=settled, notes=notes,
                      dropped_before=relay.dropped_before, dropped_after=relay.dropped_after,
                      per_worker=[worker_sent(log) for _p, log in case.workers])
        moments = sorted(at for at, _mid in relay.stored)
        if len(moments) > 1:
            window = max(sum(1 for later in moments if at <= later < at + 60) for at in moments)
            gaps = [b - a for a, b in itertools.pairwise(moments)]
            result.update(busiest_minute=window, min_gap=min(gaps), span=moments[-1] - moments[0])
        return result
    finally:
        case.close()
        if relay_running:
            controller.stop()


def saves_case(database: str | None, respondents: int = 50, rounds: int = 4) -> dict:
    """50 respondents at once through gunicorn, each with two tabs saving page 1 and page 2 at the
    same moment, `rounds` times; then every acknowledged value must be in the draft."""
    case = Case("saves", respondents, database)
    acknowledged = conflicts = errors = 0
    samples: collections.Counter[str] = collections.Counter()
    last: dict[tuple[str, int], str] = {}  # (token, page) -> last acknowledged value
    lock = threading.Lock()
    fields = {1: "netzwerk.name", 2: "netzwerk.fokus"}

    def request(port, method, path, body=None):
        """One request on a fresh connection (a tab waiting for its partner outlasts keep-alive)."""
        data = urllib.parse.urlencode(body, doseq=True) if body is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(method, path, body=data, headers=headers)
            reply = conn.getresponse()
            return reply.status, reply.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def tab(token: str, page: int, barrier: threading.Barrier, port: int) -> None:
        nonlocal acknowledged, conflicts, errors
        try:
            if page == 1:
                request(port, "POST", f"/r/{token}/start", {})
            barrier.wait(timeout=180)
            for round_ in range(rounds):
                status, html = request(port, "GET", f"/r/{token}/seite/{page}")
                revision = REVISION.search(html)
                base = BASE.search(html)
                value = f"Seite {page} Runde {round_} {token[:6]}"
                form = {fields[page]: value, "_action": "save", "_revision": revision.group(1) if revision else "",
                        "_base": base.group(1) if base else ""}
                barrier.wait(timeout=180)  # both tabs press "Zwischenspeichern" together
                status, _html = request(port, "POST", f"/r/{token}/seite/{page}", form)
                with lock:
                    if status == 302:
                        acknowledged += 1
                        last[(token, page)] = value
                    elif status == 409:
                        conflicts += 1
                    else:
                        errors += 1
                        samples[f"HTTP {status}"] += 1
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            with lock:
                errors += 1
                samples[type(error).__name__] += 1

    started = time.monotonic()
    try:
        with Gunicorn("wsgi:app", {k: v for k, v in case.env().items() if k != "FLASK_APP"},
                      case.instance / "gunicorn.log") as server:
            try:
                server.wait("/healthz", timeout=60)
            except RuntimeError:
                print((case.instance / "gunicorn.log").read_text()[-3000:], file=sys.stderr)
                raise
            threads = []
            for token in case.tokens:
                barrier = threading.Barrier(2)
                threads += [threading.Thread(target=tab, args=(token, page, barrier, server.port)) for page in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=BOUND)
        import sqlalchemy as sa

        from survey.extensions import db
        from survey.models import Invitation, Response
        from survey.services.tokens import hash_token

        lost = 0
        with case.app.app_context():
            for (token, page), value in last.items():
                response = db.session.scalar(sa.select(Response).join(Invitation)
                                             .where(Invitation.token_hash == hash_token(token)))
                if response is None or response.draft.get(fields[page]) != [value]:
                    lost += 1
            db.session.remove()
        return {"case": "saves", "respondents": respondents, "saves": respondents * 2 * rounds,
                "acknowledged": acknowledged, "lost": lost, "conflicts": conflicts, "errors": errors,
                "error_kinds": dict(samples),
                "seconds": time.monotonic() - started}
    finally:
        case.close()


def markdown(db_name: str, results: list[dict]) -> str:
    info = machine()
    lines = [f"### {db_name}", "",
             f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; commit {info['commit']}; "
             f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']}, Python {info['python']}; "
             f"load average (1 min) at the end: {info['load']}", "",
             "| Case | Mails | Sent | Lost | Doubled | Failed visibly | Note |", "|---|---|---|---|---|---|---|"]
    for r in results:
        if r["case"] == "saves":
            continue
        note = [f"{r['seconds']:.0f} s"]
        if not r["settled"]:
            note.append("**queue not settled within the bound**")
        if r["dropped_before"] or r["dropped_after"]:
            note.append(f"relay dropped {r['dropped_before']} before storing, {r['dropped_after']} after storing")
        if "busiest_minute" in r and r["case"].startswith("two workers"):
            note.append(f"busiest 60 s at the relay: {r['busiest_minute']} mails (limit 60), "
                        f"all {r['sent']} in {r['span']:.0f} s")
        if len(r["per_worker"]) > 1:
            note.append("sent per worker " + " / ".join(map(str, r["per_worker"])))
        note += r["notes"]
        note.append(f"most attempts a mail used {r['max_attempts']}")
        lines.append(f"| {r['case']} | {r['mails']} | {r['sent']} | {r['lost']} | {r['doubled']} | "
                     f"{r['failed_visibly']} | {'; '.join(note)} |")
    for r in results:
        if r["case"] == "saves":
            lines += ["", f"Saves through gunicorn: {r['respondents']} respondents at once, each with two tabs "
                          f"saving page 1 and page 2 at the same moment ({r['saves']} saves): "
                          f"**{r['acknowledged']} acknowledged, {r['lost']} lost**, {r['conflicts']} conflict notices, "
                          f"{r['errors']} not acknowledged ({r['error_kinds'] or 'none'}; {r['seconds']:.0f} s)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="flaky,ambiguous,outage,kill,workers,saves")
    parser.add_argument("--mails", type=int, default=300)
    args = parser.parse_args(argv)
    quiet_logging()
    database = os.environ.get("DATABASE_URL") or None
    db_name = "PostgreSQL" if database else "SQLite"
    cases = args.cases.split(",")
    results = []
    lease = "10"  # MAIL_LEASE_SECONDS: a killed worker's batch is taken over soon
    if "flaky" in cases:
        results.append(mail_case("relay drops 20 % of connections in DATA", args.mails, database,
                                 Relay(drop_before=0.2), MAIL_LEASE_SECONDS=lease))
    if "ambiguous" in cases:
        results.append(mail_case("relay drops 5 % after storing the mail (ambiguous window)", args.mails // 3,
                                 database, Relay(drop_after=0.05), MAIL_LEASE_SECONDS=lease))
    if "outage" in cases:
        results.append(mail_case("relay refuses connections for 20 s", args.mails // 3, database, Relay(),
                                 relay_delay=20.0, MAIL_LEASE_SECONDS=lease))
    if "kill" in cases:
        results.append(mail_case("kill -9 of the worker mid-batch", args.mails // 3, database, Relay(),
                                 kill_after=args.mails // 9, MAIL_RATE_PER_MINUTE="600", MAIL_LEASE_SECONDS=lease))
    if "workers" in cases:
        label = ("two workers, 60 a minute together, 10 s lease" if database
                 else "two workers (SQLite: the second waits), 60 a minute")
        results.append(mail_case(label, 100, database, Relay(), workers=2, MAIL_RATE_PER_MINUTE="60",
                                 MAIL_LEASE_SECONDS=lease))
    if "saves" in cases:
        results.append(saves_case(database))
    for result in results:
        print(dict(result), file=sys.stderr)
    print(markdown(db_name, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
