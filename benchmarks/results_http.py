"""Benchmark 2b: the results page over HTTP (in-process test client) for a survey of N responses.

The demo survey is loaded, then N invitations with submitted responses are added in bulk (answers
copied from the demo's). A logged-in planner opens /results/<id> and every chart image on it, as
a browser would. Also the CSV download through the app. Bounded by --max-seconds.

    python -m benchmarks.results_http --size N

prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from .common import make_app, peak_rss_mb, quiet_logging


def fill(survey_id: int, size: int) -> None:
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Invitation, InvitationStatus, Response

    answers = [r.answers for r in db.session.scalars(sa.select(Response).where(
        Response.survey_id == survey_id, Response.submitted_at.isnot(None)))]
    first_id = (db.session.scalar(sa.select(sa.func.max(Invitation.id))) or 0) + 1
    first_response = (db.session.scalar(sa.select(sa.func.max(Response.id))) or 0) + 1
    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    for start in range(0, size, 2000):
        chunk = range(start, min(size, start + 2000))
        db.session.execute(sa.insert(Invitation), [
            {"id": first_id + n, "survey_id": survey_id, "email": f"org{n}@bench.example", "organisation": f"Org {n}",
             "contact_name": "", "token_hash": hashlib.sha256(f"bench{n}".encode()).hexdigest(),
             "status": InvitationStatus.SUBMITTED, "created_at": now, "submitted_at": now + dt.timedelta(minutes=n)}
            for n in chunk])
        db.session.execute(sa.insert(Response), [
            {"id": first_response + n, "survey_id": survey_id, "invitation_id": first_id + n, "draft": {},
             "answers": answers[n % len(answers)], "current_page": 0, "revision": 5, "started_at": now,
             "saved_at": now, "submitted_at": now + dt.timedelta(minutes=n)}
            for n in chunk])
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    quiet_logging()
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Survey
    from survey.services.demo import load_demo

    result: dict = {"size": args.size}
    with tempfile.TemporaryDirectory(prefix="lueckenlos-bench-") as tmp:
        app = make_app(Path(tmp))
        with app.app_context():
            demo = load_demo()
            db.session.commit()
            survey_id = db.session.scalars(sa.select(Survey.id).order_by(Survey.id)).first()
            assert survey_id is not None, "the demo has a survey"
            started = time.perf_counter()
            fill(survey_id, args.size)
            result["fill_seconds"] = time.perf_counter() - started
            db.session.remove()
        client = app.test_client()
        assert client.post("/login", data={"email": demo.planner, "password": demo.password}).status_code == 302
        started = time.perf_counter()
        page = client.get(f"/results/{survey_id}")
        result["page_status"] = page.status_code
        result["page_seconds"] = time.perf_counter() - started
        html = page.get_data(as_text=True)
        images = sorted(set(re.findall(r'src="(/results/\d+/chart/[^"]+)"', html)))
        result["charts_on_page"] = len(images)
        chart_times = []
        for src in images:
            if time.perf_counter() - started > args.max_seconds:
                result["stopped_early"] = True
                break
            one = time.perf_counter()
            response = client.get(src.replace("&amp;", "&"))
            chart_times.append((src.rsplit("/", 1)[-1], time.perf_counter() - one, response.status_code))
        result["chart_times"] = chart_times
        result["total_seconds"] = time.perf_counter() - started
        csv_link = re.search(r'href="(/results/\d+/antworten\.csv[^"]*)"', html)
        if csv_link:
            one = time.perf_counter()
            response = client.get(csv_link.group(1).replace("&amp;", "&"), buffered=False)
            iterator = iter(response.response)
            next(iterator, b"")
            result["csv_first_byte"] = time.perf_counter() - one
            result["csv_bytes"] = sum(len(chunk) for chunk in iterator)
            result["csv_seconds"] = time.perf_counter() - one
            response.close()
        result["peak_rss_mb"] = peak_rss_mb()
        with app.app_context():
            db.engine.dispose()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
