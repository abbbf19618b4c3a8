"""The workbook "Alle Tabellen als Excel" as an analyst downloads it (issue 12 point 3, issue 17 target 3).

    python -m benchmarks.workbook_bench --db DIR [--who analyst|planner]

`DIR` is a SQLite database filled by `python -m benchmarks.analysis_bench filldb --out DIR --size N`.
The app is logged in, then GET /results/<id>/auswertung.xlsx runs through the view: the page's
tables from the (cached) dataset, the row sheets streamed from the database in chunks of 500
responses, xlsxwriter in constant-memory mode into a temporary file, the file sent in chunks.
Prints one JSON line: seconds, bytes, sheets, RSS of the idle app after login, peak RSS, and the
time to build the dataset alone (a second, cold request for the results page is not made: the
dataset is what the page costs too).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from .common import current_rss_mb, make_app, peak_rss_mb, quiet_logging


def run(db: Path, who: str) -> dict:
    quiet_logging()
    filled = json.loads((db / "filled.json").read_text())
    app = make_app(db)
    from survey.services.demo import ANALYST

    email = filled["planner"] if who == "planner" else ANALYST[0]
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": filled["password"]}).status_code == 302
    idle = current_rss_mb()
    started = time.perf_counter()
    response = client.get(f"/results/{filled['survey_id']}/auswertung.xlsx", buffered=False)
    assert response.status_code == 200, response.status_code
    first = None
    body = io.BytesIO()
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - started
        body.write(chunk)
    response.close()
    seconds = time.perf_counter() - started
    from openpyxl import load_workbook

    book = load_workbook(body, read_only=True)
    sheets = len(book.sheetnames)
    rows = book["Antworten (Rohdaten)"].max_row - 1
    book.close()
    return {"size": filled["responses"], "who": who, "seconds": seconds, "first_byte": first,
            "bytes": body.tell(), "sheets": sheets, "response_rows": rows, "rss_idle_mb": idle,
            "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--who", default="analyst", choices=("analyst", "planner"))
    args = parser.parse_args(argv)
    json.dump(run(args.db, args.who), sys.stdout)
    print()


if __name__ == "__main__":
    main()
