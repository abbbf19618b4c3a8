"""`python -m benchmarks`: run every benchmark (each in its own process, each bounded) → RESULTS.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
import traceback
from pathlib import Path

from .common import PYTHON, ROOT, Report, fmt, machine, run_json

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PG_PORT = os.environ.get("BENCH_PG_PORT", "55445")
LOAD_SECONDS = os.environ.get("BENCH_LOAD_SECONDS", "6")


def module(name: str, *args: str) -> list[str]:
    return [PYTHON, "-m", f"benchmarks.{name}", *args]


def bench_load(report_list: list[Report]) -> None:
    sqlite = Report.from_json(run_json(module("load", "--trivial", "--seconds", LOAD_SECONDS), timeout=240,
                                       drop=("DATABASE_URL",)))
    raw = json.loads(sqlite.notes[-1][4:])
    ceiling = raw["ceiling"]
    reports = [sqlite]
    if shutil.which("bash") and (list(Path("/usr/lib/postgresql").glob("*/bin")) or os.geteuid() == 0):
        try:
            data = run_json(["bash", "scripts/with-postgres.sh", *module("load", "--seconds", LOAD_SECONDS)],
                            timeout=300,
                            env={"PGTEST_PORT": PG_PORT})
            reports.append(Report.from_json(data))
        except Exception as error:  # noqa: BLE001 -- the failure is written into the report
            sqlite.notes.append(f"PostgreSQL run failed: {str(error)[:300]}")
    else:
        sqlite.notes.append("PostgreSQL not installed and not root: PostgreSQL run skipped.")
    summary = Report("1. Respondents under load")
    for part in reports:
        part_raw = json.loads(part.notes[-1][4:])
        for row in part.rows:
            summary.rows.append(row)
            if row.figure.endswith("requests/s"):
                level = row.figure.split(", ")[1].split()[0]
                trivial = ceiling.get(level, {}).get("rps")
                if trivial:
                    summary.add(f"{part_raw['db']}, {level} respondents: share of trivial-endpoint ceiling",
                                row.value / trivial * 100, "%", target=30.0, higher_is_better=True,
                                target_text="≥ 30 %",
                                note=f"ceiling {fmt(trivial)} req/s ('hello' endpoint, same gunicorn config)")
        summary.notes += [n for n in part.notes if not n.startswith("RAW ")]
        summary.seconds += part.seconds
    report_list.append(summary)


def bench_results(report_list: list[Report], base: str) -> None:
    report = Report("2. Results as the survey grows")
    report_list.append(report)
    sizes = [100, 1000, 10000, 50000]
    seen = []
    for size in sizes:
        data = run_json(module("analysis_bench", "results", "--base", base, "--size", str(size)), timeout=240)
        seen.append(data)
        slowest = max(data["chart_times"].items(), key=lambda kv: kv[1]) if data["chart_times"] else ("–", None)
        typical = sorted(data["chart_times"].values())[len(data["chart_times"]) // 2] if data["chart_times"] else None
        report.add(f"{size:,} responses: every chart and metric (analysis, rendered PNG)", data["seconds"], "s",
                   target=3.0 if size == 10000 else None, target_text="< 3 s (at 10,000)" if size == 10000 else "",
                   note=f"{len(data['chart_times'])} question charts + coverage/sector heatmaps; peak RSS "
                        f"{fmt(data['peak_rss_mb'])} MB (dataset alone {fmt(data['rss_dataset_mb'])} MB)")
        report.add(f"{size:,} responses: single chart (median / slowest)", typical, "s",
                   target=0.3 if size == 10000 else None, target_text="< 0.3 s (at 10,000)" if size == 10000 else "",
                   note=f"slowest {slowest[0]} {fmt(slowest[1])} s")
        failed = [k for k in data["timings"] if "fehlgeschlagen" in k]
        if failed:
            report.notes.append(f"{size}: parts that failed: {failed}")
    small, large = seen[0], seen[-1]
    growth = (large["seconds"] - seen[1]["seconds"]) / max(sizes[-1] - sizes[1], 1) * 1000
    report.notes.append(
        f"Growth: {fmt(small['seconds'])} s at 100 → {fmt(large['seconds'])} s at 50,000 responses. The part that "
        f"grows adds ≈ {fmt(growth * 1000, 2)} ms per 1,000 responses between 1,000 and 50,000 (linear or better); "
        f"the constant part is matplotlib drawing each chart (independent of n)."
    )
    for size in (1000, 10000):
        try:
            data = run_json(module("results_http", "--size", str(size), "--max-seconds", "60"), timeout=150)
        except subprocess.TimeoutExpired:
            report.add(f"{size:,} responses over HTTP: results page + its chart images", None, "s",
                       target_text="< 3 s (at 10,000)" if size == 10000 else "",
                       note="did not finish within 150 s (incl. filling the database): far above the target")
            if size == 10000:
                report.rows[-1].met = False
            continue
        except Exception as error:  # noqa: BLE001 -- the failure is written into the report
            report.notes.append(f"HTTP results page at {size}: not available ({str(error)[:200]})")
            continue
        times = [t for _name, t, _status in data["chart_times"]]
        bad = [f"{name} {status}" for name, _t, status in data["chart_times"] if status != 200]
        report.add(f"{size:,} responses over HTTP: results page + its {data['charts_on_page']} chart images",
                   data["total_seconds"], "s", target=3.0 if size == 10000 else None,
                   target_text="< 3 s (at 10,000)" if size == 10000 else "",
                   note=f"HTML alone {fmt(data['page_seconds'])} s; each chart image rebuilds the dataset from the "
                        f"database; {'stopped early; ' if data.get('stopped_early') else ''}"
                        f"{'errors: ' + ', '.join(bad) if bad else 'all 200'}")
        if times:
            report.add(f"{size:,} responses over HTTP: one chart image (median / slowest)",
                       sorted(times)[len(times) // 2], "s", target=0.3 if size == 10000 else None,
                       target_text="< 0.3 s (at 10,000)" if size == 10000 else "", note=f"slowest {fmt(max(times))} s")


def bench_exports(report_list: list[Report], base: str) -> None:
    """CSV: the app's real download path (rows in a SQLite database, streamed through the view).
    XLSX: built from an in-memory dataset (the app builds the whole workbook before sending it)."""
    report = Report("3. Exports")
    report_list.append(report)
    for size in (10000, 100000):
        big = size == 100000
        with tempfile.TemporaryDirectory(prefix="lueckenlos-export-") as tmp:
            filled = run_json(module("analysis_bench", "filldb", "--out", tmp, "--size", str(size)), timeout=180)
            data = run_json(module("analysis_bench", "export", "--db", tmp, "--format", "csv"), timeout=180,
                            drop=("DATABASE_URL",))
        report.add(f"CSV {size:,} responses: peak RSS", data["peak_rss_mb"], "MB",
                   target=200.0 if big else None, target_text="< 200 MB (at 100,000)" if big else "",
                   note=f"app after login {fmt(data['rss_app_mb'])} MB; {data['rows']:,} rows, "
                        f"{fmt(data['bytes'] / 2**20)} MiB in {fmt(data['seconds'])} s; streamed from SQLite "
                        f"(bulk-filled in {fmt(filled['seconds'])} s)")
        report.add(f"CSV {size:,} responses: first byte", data["first_byte"], "s",
                   target=1.0 if big else None, target_text="< 1 s (at 100,000)" if big else "",
                   note="GET /results/<id>/antworten.csv as a planner, read in chunks of 500 responses")
    for size in (10000, 100000):
        big = size == 100000
        # The workbook as an analyst downloads it: the page's tables from the dataset, the row sheets
        # streamed from the database, xlsxwriter in constant-memory mode (benchmarks/workbook_bench.py).
        with tempfile.TemporaryDirectory(prefix="lueckenlos-xlsx-") as tmp:
            run_json(module("analysis_bench", "filldb", "--out", tmp, "--size", str(size)), timeout=900)
            data = run_json(module("workbook_bench", "--db", tmp), timeout=1800, drop=("DATABASE_URL",))
        report.add(f"XLSX {size:,} responses (analyst, over the app): time", data["seconds"], "s",
                   target=60.0 if big else None, target_text="< 60 s (at 100,000)" if big else "",
                   note=f"{fmt(data['cpu_seconds'])} s CPU, of which the results page before it "
                        f"{fmt(data['cpu_page_seconds'])} s; {data['sheets']} sheets, {data['response_rows']:,} "
                        f"response rows, {fmt(data['bytes'] / 2**20)} MiB; load {fmt(data['load'])}")
        report.add(f"XLSX {size:,} responses (analyst, over the app): peak RSS", data["peak_rss_mb"], "MB",
                   target=data["rss_idle_mb"] + 50 if big else None,
                   target_text="within 50 MB of the idle app (at 100,000)" if big else "",
                   note=f"idle app after login {fmt(data['rss_idle_mb'])} MB; the page's dataset is built in memory, "
                        "the row sheets stream")


def bench_invitations(report_list: list[Report]) -> None:
    report = Report("4. Invitations")
    report_list.append(report)
    data = run_json(module("invitations_bench"), timeout=240)
    report.notes += data["notes"]
    if "parse_seconds" in data:
        report.add(f"parse a paste of {data['parsed']:,} addresses", data["parse_seconds"], "s", target=1.0)
    if "preview_seconds" in data:
        report.add(f"parse + preview (check against the survey) of {data['preview_entries']:,} addresses",
                   data["preview_seconds"], "s", target=1.0)
    report.add(f"create {data['invited']:,} invitations (with their rendered mail)",
               data["invited"] / data["invite_seconds"],
               "invitations/s")
    rate = data["sent"] / data["deliver_seconds"] if data["deliver_seconds"] else None
    report.add(f"outbox delivery to a local aiosmtpd ({data['sent']:,} mails)", rate, "mails/s", target=100.0,
               higher_is_better=True, target_text="≥ 100 mails/s",
               note=f"{data['received']:,} received by the SMTP server; no rate limit")


def bench_network(report_list: list[Report], base: str) -> None:
    report = Report("5. Networks")
    report_list.append(report)
    data = run_json(module("analysis_bench", "network", "--base", base), timeout=120)
    t = data["timings"]
    report.add(f"{data['nodes']} organisations, {data['edges']:,} ties: graph + metrics + drawing", data["seconds"],
               "s",
               target=5.0, note=f"graph {fmt(t.get('graph'))} s, metrics {fmt(t.get('metrics'))} s, "
                                f"drawing {fmt(t.get('drawing'))} s; peak RSS {fmt(data['peak_rss_mb'])} MB")


def bench_profile(report_list: list[Report], base: str) -> None:
    report = Report("Profile")
    report_list.append(report)
    data = run_json(module("profile_bench", base), timeout=180)
    r = data["respondent"]
    report.add("respondent visit: SQL statements per request", r["statements_per_request"], "")
    report.add("respondent visit: ORM lazy loads per request", r["lazy_loads_per_request"], "")
    report.add("respondent visit: time per request in-process (under cProfile)", r["ms_per_request"], "ms")
    report.notes.append("Respondent visit, app functions by cumulative time:\n\n```\n"
                        + "\n".join(r["top_app"]) + "\n```")
    report.notes.append("Respondent visit, library hot spots:\n\n```\n" + "\n".join(r["top_all"]) + "\n```")
    c = data.get("chart") or {}
    if c:
        report.add(f"one bar chart ({c['question']}, 1,000 responses) under cProfile", c["ms_per_chart"], "ms")
        report.notes.append("One chart:\n\n```\n" + "\n".join(c["top"]) + "\n```")


FINDINGS = """\
## Findings and hot spots

- **Respondent pages** ran ~13 SQL statements per request, ~9 of them ORM lazy loads, walking
  pages → items → questions → districts on every request. Fixed: an opened survey is frozen, so
  `surveys.pages_with_questions` keeps its pages and parsed questions per process (keyed by survey,
  opening time and districts); a view + save pair went from 15 to 9 ms in-process, the profile now
  shows ~8 statements and 4 lazy loads (invitation → survey → kommune → districts). What remains per
  request is Jinja rendering of the page and the ORM round trips; the throughput gap to the "hello"
  ceiling is that work plus the load generator sharing the two cores.
- **Saturation vs. latency.** The 10/50/200 runs are closed loops without think time: every
  respondent sends its next request at once, so by Little's law latency ≈ concurrency / throughput.
  At 50 such respondents on two cores a p95 below 50 ms would need > 1,000 req/s; the realistic
  reading of the target is the paced run (50 respondents, ~1 s between requests), reported separately.
  The load generator (Python threads) runs on the same two cores and takes a part of the CPU.
- **Chart images on the results page** used to rebuild the whole dataset each; the dataset, the
  network and the page data are now cached per process, keyed by a data stamp (three aggregate
  queries), so the ~17 images of a page cost only their drawing. The cold first view at 10,000
  responses is dominated by reading and decoding the stored answers (~4 s) and the network
  metrics; meeting 3 s cold would need the network computed in the background.
- **Chart drawing is the constant cost**: a matplotlib figure with constrained layout costs
  ~150–400 ms to render regardless of n (the layout solver draws the text twice). The statistics
  themselves are linear and small (milliseconds per 1,000 responses).
- **Exports**: the row-level CSVs (responses, offers, partners) are streamed straight from the
  database (`services/results/dataset.stream_responses`: keyset pages of 500 responses, filters applied per
  page), so their memory is flat: the peak RSS is the app itself. XLSX uses openpyxl's write-only
  mode but is a zip built completely before the first byte from the whole dataset (and is CPU-bound).
- **The workbook** (`analysis/workbook.py`, issue 12) is xlsxwriter in constant-memory mode: the
  page's tables come from the cached dataset (its memory is the page's), the row sheets are fed
  from the database in pages of 500 responses, so the writing itself is flat in memory. It is
  CPU-bound in xlsxwriter's per-cell work (~10 µs per cell: about 2.4 million cells at 10,000
  demo-shaped responses, mostly the 0/1 option columns of the raw sheet and the offer rows). The
  60 s target at 100,000 needs ~2 µs per cell: writing the row sheets' XML one string per row
  (a small own writer for the sheet parts), or preparing the file in the worker when answers
  arrive (job table), or both.
- **Query counts** of the invitation list and the results page are checked by
  `tests/test_query_counts.py` (5 vs 50 rows must issue the same number of statements).
"""


def write(reports: list[Report], facts: dict, seconds: float, errors: list[str]) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks`). Targets from issue 7, for this 2-core machine.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} memory; {facts['os']}; Python "
        f"{facts['python']}",
        f"- Commit: {facts['commit']}",
        f"- Duration of the whole run: {seconds / 60:.1f} min",
        f"- Load average (1 min) at start / end: {facts['load']} / {os.getloadavg()[0]:.1f} (other processes on the "
        f"machine compete with the benchmark; above ~1 the figures are pessimistic and noisy)",
        "",
        "Ratio = figure / target (for \"less than\" targets below 1 is good, for \"at least\" targets above 1).",
        "",
    ]
    for report in reports:
        lines += [f"## {report.name}", "", "| Figure | Value | Target | Ratio | Met | Note |",
                  "|---|---|---|---|---|---|"]
        for row in report.rows:
            met = "" if row.met is None else ("yes" if row.met else "**no**")
            ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
            lines.append(f"| {row.figure} | {fmt(row.value)} {row.unit} | {row.target} | {ratio} | {met} "
                         f"| {row.note} |")
        lines.append("")
        for note in report.notes:
            lines += [note, ""]
    if errors:
        lines += ["## Not available / failed", ""] + [f"- {e}" for e in errors] + [""]
    lines.append(FINDINGS)
    missed = [f"- {r.section}: {r.figure} = {fmt(r.value)} {r.unit} (target {r.target})"
              for report in reports for r in report.rows if r.met is False]
    lines += ["## Targets not met", ""] + (missed or ["- none"]) + [""]
    RESULTS.write_text("\n".join(lines))


def main() -> int:
    started = time.perf_counter()
    facts = machine()
    reports: list[Report] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lueckenlos-bench-") as tmp:
        base = str(Path(tmp) / "base.pkl")
        try:
            run_json(module("analysis_bench", "base", "--out", base), timeout=120)
        except Exception as error:  # noqa: BLE001 -- the failure is written into the report
            errors.append(f"demo survey as dataset not available yet: {str(error)[:300]}")
            base = ""
        steps = [("1 load", lambda: bench_load(reports))]
        if base:
            steps += [("2 results", lambda: bench_results(reports, base)),
                      ("3 exports", lambda: bench_exports(reports, base))]
        steps += [("4 invitations", lambda: bench_invitations(reports))]
        if base:
            steps += [("5 networks", lambda: bench_network(reports, base)),
                      ("profile", lambda: bench_profile(reports, base))]
        for name, step in steps:
            one = time.perf_counter()
            print(f"benchmark {name} ...", flush=True)
            try:
                step()
            except Exception as error:  # noqa: BLE001 -- report and go on with the next benchmark
                traceback.print_exc()
                errors.append(f"{name}: {type(error).__name__}: {str(error)[:400]}")
            print(f"  {time.perf_counter() - one:.0f} s", flush=True)
    write(reports, facts, time.perf_counter() - started, errors)
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
