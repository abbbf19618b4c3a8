"""Profile the hottest paths once with cProfile: a respondent's visit, and one chart.

    python -m benchmarks.profile_bench

prints one JSON line: SQL statements per request, lazy loads, and the top functions.
"""

from __future__ import annotations

import cProfile
import io
import json
import pickle
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from .common import make_app, quiet_logging
from .load import REVISION, build_survey


def top(profile: cProfile.Profile, limit: int, include: str) -> list[str]:
    """The `limit` functions with the largest cumulative time whose file matches `include`."""
    stats = pstats.Stats(profile)
    rows = []
    table = stats.stats  # type: ignore[attr-defined]  # set by Stats() but not in typeshed
    for (filename, line, name), (_cc, calls, _tt, cumulative, _callers) in table.items():
        if re.search(include, filename):
            short = filename.split("/site-packages/")[-1].replace(str(Path.cwd()) + "/", "")
            rows.append((cumulative, f"{short}:{line} {name}", calls))
    rows.sort(reverse=True)
    return [f"{cum * 1000:8.1f} ms  {calls:6d}×  {where}" for cum, where, calls in rows[:limit]]


def respondent_profile() -> dict:
    from survey.extensions import db

    with tempfile.TemporaryDirectory(prefix="lueckenlos-prof-") as tmp:
        app = make_app(Path(tmp))
        tokens, answers, _ = build_survey(app, 40)
        client = app.test_client()
        statements: list[str] = []

        def flow(token: str) -> int:
            requests = 0
            steps: list[tuple[str, str, dict[str, str] | None]] = [("get", f"/r/{token}", None),
                                                                   ("post", f"/r/{token}/start", {})]
            for method, url, data in steps:
                getattr(client, method)(url, data=data)
                requests += 1
            for number, raw in answers.items():
                page = client.get(f"/r/{token}/seite/{number}").get_data(as_text=True)
                found = REVISION.search(page)
                assert found is not None, "every respondent page carries its revision"
                revision = found.group(1)
                client.post(f"/r/{token}/seite/{number}", data={**raw, "_revision": revision, "_action": "next"})
                requests += 2
            client.get(f"/r/{token}/pruefen")
            client.post(f"/r/{token}/pruefen")
            return requests + 2

        flow(tokens.pop())  # warm up
        with app.app_context():
            engine = db.engine

        def listener(*a):
            statements.append(a[2])

        sa.event.listen(engine, "before_cursor_execute", listener)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        requests = sum(flow(tokens.pop()) for _ in range(20))
        profile.disable()
        seconds = time.perf_counter() - started
        sa.event.remove(engine, "before_cursor_execute", listener)
        lazy = pstats.Stats(profile).stats  # type: ignore[attr-defined]  # set by Stats() but not in typeshed
        lazy_loads = sum(v[1] for k, v in lazy.items() if k[2] == "_emit_lazyload")
        with app.app_context():
            db.engine.dispose()
    return {
        "requests": requests, "ms_per_request": seconds / requests * 1000,
        "statements_per_request": len(statements) / requests,
        "lazy_loads_per_request": lazy_loads / requests,
        "top_app": top(profile, 14, r"/work/main/survey/|/survey/"),
        "top_all": top(profile, 12,
                       r"sqlalchemy/orm/strategies|jinja2/environment|werkzeug/formparser|sqlalchemy/engine/base"),
    }


def chart_profile(base_path: str | None) -> dict:
    if not base_path:
        return {}
    from analysis.charts import defaults as default_charts
    from analysis.charts import frame as chart_frame

    from .synthetic import grow

    with open(base_path, "rb") as source:
        dataset = grow(pickle.load(source), 1000)
    question = next(q for q in dataset.questions if q.kind in ("single_choice", "multiple_choice"))
    chart = default_charts.chart_for(dataset, question)
    assert chart is not None, question.key  # a choice question has a chart
    chart_frame.render(chart)  # warm up fonts
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(5):
        chart = default_charts.chart_for(dataset, question)
        assert chart is not None
        chart_frame.render(chart)
    profile.disable()
    out = io.StringIO()
    return {"question": question.key, "ms_per_chart": (time.perf_counter() - started) / 5 * 1000,
            "top": top(profile, 12,
                       r"analysis/|matplotlib/(figure|backend_bases|layout_engine|_constrained|text|backends/backend_agg)"),
            "_": out.getvalue()}


def main(argv: list[str] | None = None) -> int:
    quiet_logging()
    args = argv if argv is not None else sys.argv[1:]
    result = {"respondent": respondent_profile(), "chart": chart_profile(args[0] if args else None)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
