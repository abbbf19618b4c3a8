"""The workbook "Alle Tabellen als Excel" as an analyst downloads it (issue 12 point 3, issue 17 target 3).

    python -m benchmarks.workbook_bench --db DIR [--who analyst|planner]

`DIR` is a SQLite database filled by `python -m benchmarks.analysis_bench filldb --out DIR --size N`.
The app is logged in, then GET /results/<id>/auswertung.xlsx runs through the view: the page's
tables from the (cached) dataset, the row sheets streamed from the database in chunks of 500
responses, xlsxwriter in constant-memory mode into a temporary file, the file sent in chunks.
First the results page is requested (as an analyst looks before downloading; it builds and caches
the dataset and the tables), then the workbook. Prints one JSON line: wall and CPU seconds in
total and for the page, bytes, sheets, RSS of the idle app after login, peak RSS, load average.
CPU seconds are the figure to compare on a shared machine. `--cold` skips the page.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

from .common import current_rss_mb, make_app, peak_rss_mb, quiet_logging


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(db: Path, who: str, view_page: bool = True) -> dict:
    quiet_logging()
    filled = json.loads((db / "filled.json").read_text())
    app = make_app(db)
    from survey.services.demo import ANALYST

    email = filled["planner"] if who == "planner" else ANALYST[0]
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": filled["password"]}).status_code == 302
    idle = current_rss_mb()
    cpu_start = _cpu()
    started = time.perf_counter()
    page = None
    if view_page:  # as an analyst does: look at the page, then download (the dataset is then cached)
        assert client.get(f"/results/{filled['survey_id']}").status_code == 200
        page = time.perf_counter() - started
    cpu_page = _cpu()
    url = f"/results/{filled['survey_id']}/auswertung.xlsx"
    response = client.get(url, buffered=False)
    if response.status_code == 302:  # prepared as a job (survey/services/downloads.py): the worker runs here
        response.close()
        from survey import worker

        with app.app_context():
            worker.work_once("benchmark", ["download.arbeitsmappe"])
        response = client.get(url, buffered=False)
    assert response.status_code == 200, response.status_code
    first = None
    body = io.BytesIO()
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - started
        body.write(chunk)
    response.close()
    seconds = time.perf_counter() - started
    cpu = _cpu()
    from openpyxl import load_workbook

    book = load_workbook(body, read_only=True)
    sheets = len(book.sheetnames)
    rows = book["Antworten (Rohdaten)"].max_row - 1
    book.close()
    return {"size": filled["responses"], "who": who, "seconds": seconds, "first_byte": first, "page_seconds": page,
            "cpu_seconds": cpu - cpu_start, "cpu_page_seconds": cpu_page - cpu_start, "load": os.getloadavg()[0],
            "bytes": body.tell(), "sheets": sheets, "response_rows": rows, "rss_idle_mb": idle,
            "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--who", default="analyst", choices=("analyst", "planner"))
    parser.add_argument("--cold", action="store_true", help="download without looking at the page first")
    args = parser.parse_args(argv)
    json.dump(run(args.db, args.who, not args.cold), sys.stdout)
    print()


if __name__ == "__main__":
    main()
