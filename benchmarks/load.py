"""Benchmark 1: respondents under load against gunicorn (SQLite, or PostgreSQL via DATABASE_URL).

Each simulated respondent opens its link, starts, fills three pages (GET the page, POST it with
"Weiter"), looks at the review page and submits: ten requests, redirects not followed. N of them
run at the same time (closed loop: a finished respondent takes the next fresh link). The ceiling
is a trivial Flask endpoint (benchmarks/trivial_app.py) served by the same gunicorn config.

    python -m benchmarks.load [--levels 10,50,200] [--seconds 8] [--trivial]

prints one JSON line (a Report). The load generator runs in this process with one thread and one
keep-alive connection per respondent; it shares the two cores with gunicorn, so the figures are
a lower bound of what a server with a separate load generator would show.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .common import BENCHMARK_LINK_KEY, PYTHON, ROOT, Report, fmt, make_app, percentile, quiet_logging

PAGES = [
    ("Grunddaten", ["netzwerk.name", "netzwerk.seit", "netzwerk.wirkungskreis"]),
    ("Themen", ["netzwerk.lebensphasen", "netzwerk.fokus", "netzwerk.themen"]),
    ("Einschätzung", ["netzwerk.ziele_festgeschrieben", "netzwerk.erfolge", "netzwerk.herausforderungen"]),
]
REVISION = re.compile(r'name="_revision" value="(\d+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_survey(app, respondents: int) -> tuple[list[str], dict[int, dict[str, list[str]]], float]:
    """A 3-page open survey, `respondents` invitation tokens, and a raw answer per page."""
    from survey.extensions import db
    from survey.services import accounts, invitations, survey_pages, surveys
    from survey.services.demo import _raw_answer  # plausible answers per question kind
    with app.app_context():
        catalogue = app.extensions["catalogue"]
        user = accounts.create_user("Stadt Lastdorf", "planung@lastdorf.example", "benchmark-passwort-1", "planner",
                                    "Planung")
        accounts.set_districts(user.kommune, ["Nordstadt", "Südstadt"])
        survey = surveys.create_survey(user.kommune, user, "Lasttest", contact_name="P. Plan",
                                       contact_email=user.email)
        for index, (title, keys) in enumerate(PAGES):
            page = survey.pages[0] if index == 0 else surveys.add_page(survey, title)
            for key in keys:
                question = catalogue.get(key)
                if question is not None:
                    surveys.add_question(survey, question, page)
        surveys.open_survey(survey)
        db.session.commit()
        rng = random.Random(7)
        actor: Any = SimpleNamespace(name="Familienzentrum", sector="", provider_type="", districts=[], code="")
        answers: dict[int, dict[str, list[str]]] = {}
        for number, (_page, questions) in enumerate(survey_pages.pages_with_questions(survey), start=1):
            raw: dict[str, list[str]] = {}
            for question in questions:
                raw.update(_raw_answer(question, question.key, rng, actor, []))
            answers[number] = raw
        started = time.perf_counter()
        tokens = []
        for n in range(respondents):
            _invitation, token = invitations.invite(survey, f"traeger{n}@lastdorf.example", organisation=f"Träger {n}")
            tokens.append(token)
            if n % 200 == 199:
                db.session.commit()
        db.session.commit()
        invite_seconds = time.perf_counter() - started
    return tokens, answers, invite_seconds


class Gunicorn:
    """gunicorn with the repository's config, on a free loopback port; stopped on exit."""

    def __init__(self, app_path: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_path], cwd=ROOT,
            env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait(self, path: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; see its log")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Load:
    """Runs `users` threads for `seconds`; keeps latencies of requests started in the window."""

    def __init__(self, port: int, users: int, seconds: float, warmup: float = 1.0, think: float = 0.0) -> None:
        self.port, self.users, self.seconds, self.warmup, self.think = port, users, seconds, warmup, think
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.count = 0
        self.stop = threading.Event()

    def request(self, conn: http.client.HTTPConnection, label: str, method: str, path: str,
                body: dict | None = None, expect: tuple[int, ...] = (200, 302)) -> str:
        if self.think:  # a person reads and types between two requests
            time.sleep(random.uniform(0.5, 1.5) * self.think)
        data = urllib.parse.urlencode(body, doseq=True) if body is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
        started = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            status, text = 0, repr(error)
        elapsed = time.perf_counter() - started
        if self.t0 + self.warmup <= started <= self.t0 + self.warmup + self.seconds:
            with self.lock:
                self.latencies.setdefault(label, []).append(elapsed)
                self.count += 1
                if status not in expect:
                    self.errors.append(f"{label} {status} {text[:120]!r}")
        if status not in expect:
            raise RuntimeError(label)
        return text

    def run(self, worker) -> None:
        self.t0 = time.perf_counter()
        threads = [threading.Thread(target=self._loop, args=(worker, n), daemon=True) for n in range(self.users)]
        for thread in threads:
            thread.start()
        time.sleep(self.warmup + self.seconds)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=15)

    def _loop(self, worker, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        time.sleep(self.warmup * n / max(self.users, 1) * 0.5)  # spread the first requests a little
        while not self.stop.is_set():
            try:
                if worker(self, conn) is False:
                    return
            except RuntimeError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def respondent_worker(tokens: list[str], answers: dict[int, dict[str, list[str]]]):
    lock = threading.Lock()

    def one(load: Load, conn: http.client.HTTPConnection):
        with lock:
            if not tokens:
                return False
            token = tokens.pop()
        base = f"/r/{token}"
        load.request(conn, "open link", "GET", base)
        load.request(conn, "start", "POST", f"{base}/start", {})
        for number, raw in answers.items():
            page = load.request(conn, "page", "GET", f"{base}/seite/{number}")
            match = REVISION.search(page)
            form = {**raw, "_revision": match.group(1) if match else "0", "_action": "next"}
            load.request(conn, "save", "POST", f"{base}/seite/{number}", form, expect=(302,))
        load.request(conn, "review", "GET", f"{base}/pruefen")
        load.request(conn, "submit", "POST", f"{base}/pruefen", {}, expect=(302,))
        return None

    return one


def trivial_worker(load: Load, conn: http.client.HTTPConnection):
    load.request(conn, "trivial", "GET", "/", expect=(200,))


def summarise(load: Load) -> dict:
    window = load.seconds
    result: dict[str, Any] = {"requests": load.count, "rps": load.count / window, "errors": len(load.errors),
              "error_samples": load.errors[:3], "by_label": {}}
    everything = [v for values in load.latencies.values() for v in values]
    for label, values in {**load.latencies, "all": everything}.items():
        result["by_label"][label] = {"n": len(values),
                                     **{f"p{p}": (percentile(values, p) or 0) * 1000 for p in (50, 95, 99)}}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="10,50,200")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--trivial", action="store_true", help="also measure the trivial-endpoint ceiling")
    parser.add_argument("--paced", type=int, default=50, help="respondents in the run with think time (0: none)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a respondent's requests")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    quiet_logging()
    database = os.environ.get("DATABASE_URL", "")
    db_name = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
    report = Report(f"load-{db_name.lower()}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lueckenlos-bench-") as tmp:
        instance = Path(tmp)
        app = make_app(instance, database or None)
        # Enough fresh links for the fastest plausible rate at every level.
        per_level = {level: int(max(150, min(1500, level * 6 + 100)) * args.seconds / 8) for level in levels}
        paced_links = args.paced * 2 if args.paced else 0
        tokens, answers, invite_seconds = build_survey(app, sum(per_level.values()) + paced_links)
        with app.app_context():
            from survey.extensions import db

            db.engine.dispose()
        report.notes.append(f"{db_name}: {len(tokens)} invitations created through `invitations.invite` in "
                            f"{invite_seconds:.1f} s ({len(tokens) / invite_seconds:.0f}/s, incl. rendering the mail).")
        env = {"LUECKENLOS_INSTANCE": str(instance), "SECRET_KEY": "benchmark-only", "LINK_KEYS": BENCHMARK_LINK_KEY,
               "DATABASE_URL": database or f"sqlite:///{instance / 'bench.sqlite'}", "LUECKENLOS_DEMO": "false"}
        results = {}
        with Gunicorn("wsgi:app", env, instance / "gunicorn.log") as server:
            server.wait("/healthz")
            for level in levels:
                pool = [tokens.pop() for _ in range(min(per_level[level], len(tokens)))]
                load = Load(server.port, level, args.seconds)
                load.run(respondent_worker(pool, answers))
                results[level] = summarise(load)
                results[level]["links_left"] = len(pool)
            if args.paced:
                pool = [tokens.pop() for _ in range(min(paced_links, len(tokens)))]
                load = Load(server.port, args.paced, args.seconds, think=args.think)
                load.run(respondent_worker(pool, answers))
                paced = summarise(load)
        ceiling = {}
        if args.trivial:
            with Gunicorn("benchmarks.trivial_app:app", {}, instance / "trivial.log") as server:
                server.wait("/")
                for level in levels:
                    load = Load(server.port, level, min(args.seconds, 5.0))
                    load.run(trivial_worker)
                    ceiling[level] = summarise(load)
    for level, result in results.items():
        save = result["by_label"].get("save", {})
        overall = result["by_label"]["all"]
        note = f"p50 {fmt(overall['p50'])} ms, p99 {fmt(overall['p99'])} ms (all requests)"
        if result["error_samples"]:
            note += f"; e.g. {result['error_samples'][0][:100]}"
        if result["links_left"] == 0:
            note += "; ran out of fresh links (rate is a lower bound)"
        report.add(f"{db_name}, {level} respondents: requests/s", result["rps"], "req/s", note=note)
        report.add(f"{db_name}, {level} respondents: errors", result["errors"], "", target=0, target_text="0")
        target = 50.0 if level == 50 else None
        report.add(f"{db_name}, {level} respondents: save p50 / p95 / p99",
                   save.get("p95"), "ms", target=target,
                   target_text="p95 < 50 ms" if target else "(target only at 50)",
                   note=f"p50 {fmt(save.get('p50'))} ms, p99 {fmt(save.get('p99'))} ms, {save.get('n', 0)} saves")
    if args.paced:
        save = paced["by_label"].get("save", {})
        report.add(f"{db_name}, {args.paced} respondents with ~{args.think:g} s think time: save p95", save.get("p95"),
                   "ms", target=50.0, target_text="p95 < 50 ms",
                   note=f"p50 {fmt(save.get('p50'))} ms, p99 {fmt(save.get('p99'))} ms, {save.get('n', 0)} saves, "
                        f"{fmt(paced['rps'])} req/s, {paced['errors']} errors")
    report.notes.append("RAW " + json.dumps({"db": db_name, "results": results, "ceiling": ceiling,
                                             "paced": paced if args.paced else None}))
    report.seconds = time.perf_counter() - started
    print(json.dumps(report.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
