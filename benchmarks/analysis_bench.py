"""Benchmarks 2, 3 and 5 on analysis datasets; each size runs in its own process (own memory peak).

    python -m benchmarks.analysis_bench base --out FILE          # demo survey → pickled Dataset
    python -m benchmarks.analysis_bench results --base FILE --size N
    python -m benchmarks.analysis_bench filldb --out DIR --size N   # SQLite database with N responses
    python -m benchmarks.analysis_bench export --db DIR --format csv  # download it through the app
    python -m benchmarks.analysis_bench export --base FILE --size N --format xlsx
    python -m benchmarks.analysis_bench network --base FILE

Each prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from typing import Any

from .common import current_rss_mb, peak_rss_mb


def _timed(timings: dict[str, float], name: str, func, *args, **kwargs) -> Any:
    started = time.perf_counter()
    try:
        return func(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 -- a piece not available yet must not stop the rest
        timings[f"{name} (fehlgeschlagen: {type(error).__name__}: {str(error)[:80]})"] = 0.0
        return None
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started


def full_results(dataset) -> dict[str, Any]:
    """Every metric and chart the results page offers, rendered to PNG; times per part."""
    from analysis import coverage, network, overview
    from analysis.charts import defaults as default_charts
    from analysis.charts import frame as chart_frame
    from analysis.charts import heatmaps as heatmap_charts
    from analysis.charts import response as response_charts

    timings: dict[str, float] = {}
    chart_times: dict[str, float] = {}
    started = time.perf_counter()
    summary = _timed(timings, "overview", overview.overview, dataset.invitations)
    points = _timed(timings, "overview", overview.submissions_over_time, dataset)
    _timed(timings, "overview", overview.rate_by_district, dataset)
    _timed(timings, "overview", overview.rate_by_sector, dataset)
    if points is not None:
        fig = _timed(timings, "charts", response_charts.response_over_time, points, summary.invited if summary else 0)
        if fig is not None:
            _timed(timings, "charts", chart_frame.render, fig)
    for question in dataset.questions:
        if question.kind == "info":
            continue
        one = time.perf_counter()
        fig = _timed(timings, "charts", default_charts.chart_for, dataset, question, min_group=3, planner=False)
        if fig is not None:
            _timed(timings, "charts", chart_frame.render, fig)
            chart_times[question.key] = time.perf_counter() - one
    for name in ("phase_by_district", "phase_by_sector", "target_group_by_phase"):
        matrix = _timed(timings, "coverage", getattr(coverage, name), dataset)
        if matrix is not None:
            _timed(timings, "charts", lambda m: chart_frame.render(heatmap_charts.coverage_heatmap(m)), matrix)
    graph = _timed(timings, "network", network.build_graph, dataset)
    if graph is not None:
        _timed(timings, "network", network.metrics, graph)
        matrix = _timed(timings, "network", network.sector_matrix, graph, dataset)
        if matrix is not None:
            _timed(timings, "charts", lambda m: chart_frame.render(heatmap_charts.sector_heatmap(m)), matrix)
    return {"seconds": time.perf_counter() - started, "timings": timings, "chart_times": chart_times}


def cmd_base(args) -> dict:
    from .synthetic import base_dataset

    dataset = base_dataset()
    with open(args.out, "wb") as out:
        pickle.dump(dataset, out)
    return {"responses": len(dataset.responses), "questions": len(dataset.questions)}


def _load(path: str):
    with open(path, "rb") as source:
        return pickle.load(source)


def cmd_results(args) -> dict:
    from .synthetic import grow

    dataset = grow(_load(args.base), args.size)
    import analysis.charts  # noqa: F401 -- import matplotlib before measuring

    rss_before = current_rss_mb()
    result = full_results(dataset)
    result.update(size=args.size, rss_dataset_mb=rss_before, peak_rss_mb=peak_rss_mb())
    return result


def cmd_filldb(args) -> dict:
    from pathlib import Path

    from .synthetic import fill_database

    started = time.perf_counter()
    result = fill_database(Path(args.out), args.size)
    (Path(args.out) / "filled.json").write_text(json.dumps(result))
    return {**result, "seconds": time.perf_counter() - started}


def cmd_export_db(args) -> dict:
    """The responses CSV as a planner downloads it: logged in, GET /results/<id>/antworten.csv
    through the app (streamed from the SQLite database in `--db`), every chunk consumed."""
    from pathlib import Path

    from .common import make_app, quiet_logging

    quiet_logging()
    with open(Path(args.db) / "filled.json") as source:
        filled = json.load(source)
    app = make_app(Path(args.db))
    client = app.test_client()
    assert client.post("/login", data={"email": filled["planner"], "password": filled["password"]}).status_code == 302
    rss_before = current_rss_mb()
    started = time.perf_counter()
    response = client.get(f"/results/{filled['survey_id']}/antworten.csv?format=excel_de", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    first = None
    size = rows = 0
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    response.close()
    return {"size": filled["responses"], "format": "csv", "seconds": time.perf_counter() - started,
            "first_byte": first, "bytes": size, "rows": rows - 1, "rss_app_mb": rss_before,
            "peak_rss_mb": peak_rss_mb()}


def cmd_export(args) -> dict:
    from analysis import export

    from .synthetic import grow

    if args.db:
        return cmd_export_db(args)
    dataset = grow(_load(args.base), args.size)
    rss_before = current_rss_mb()
    started = time.perf_counter()
    first = None
    size = 0
    if args.format == "csv":
        for chunk in export.responses_csv(dataset.questions, dataset.responses, "excel_de"):
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
    else:
        data = export.xlsx(dataset)
        first = time.perf_counter() - started  # not streamed: the whole file is built first
        size = len(data)
    return {"size": args.size, "format": args.format, "seconds": time.perf_counter() - started, "first_byte": first,
            "bytes": size, "rss_dataset_mb": rss_before, "peak_rss_mb": peak_rss_mb()}


def cmd_network(args) -> dict:
    from analysis import network
    from analysis.charts import frame as chart_frame
    from analysis.charts import heatmaps as heatmap_charts
    from analysis.charts import network as network_drawing

    from .synthetic import network_dataset

    dataset = network_dataset(_load(args.base))
    timings: dict[str, float] = {}
    graph = _timed(timings, "graph", network.build_graph, dataset)
    _timed(timings, "metrics", network.metrics, graph)
    matrix = _timed(timings, "metrics", network.sector_matrix, graph, dataset)
    _timed(timings, "drawing", lambda: chart_frame.render(network_drawing.network_chart(graph, dataset)))
    _timed(timings, "drawing", lambda: chart_frame.render(heatmap_charts.sector_heatmap(matrix)))
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "timings": timings,
            "seconds": sum(timings.values()), "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["base", "results", "export", "filldb", "network"])
    parser.add_argument("--db")
    parser.add_argument("--out")
    parser.add_argument("--base")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--format", default="csv")
    args = parser.parse_args(argv)
    commands = {"base": cmd_base, "results": cmd_results, "export": cmd_export, "filldb": cmd_filldb,
                "network": cmd_network}
    result = commands[args.command](args)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
