"""Shared helpers: result rows, machine facts, a throw-away app instance, memory and timing."""

from __future__ import annotations

import base64
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Row:
    """One figure: what was measured, its value, the target and how the value compares to it."""

    section: str
    figure: str
    value: float | None
    unit: str
    target: str = ""
    ratio: float | None = None  # value / target (lower is better) or target / value, see `better`
    met: bool | None = None
    note: str = ""


@dataclass
class Report:
    """What one benchmark found: rows, free-text findings, and pieces not available yet."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, figure: str, value: float | None, unit: str, *, target: float | None = None,
            higher_is_better: bool = False, target_text: str = "", note: str = "") -> Row:
        ratio = met = None
        if target is not None and value is not None:
            ratio = value / target if target else None
            met = value >= target if higher_is_better else value <= target
            if not target_text:
                target_text = f"{'≥' if higher_is_better else '<'} {fmt(target)} {unit}".strip()
        row = Row(self.name, figure, value, unit, target_text, ratio, met, note)
        self.rows.append(row)
        return row

    def to_json(self) -> dict:
        return {"name": self.name, "rows": [asdict(r) for r in self.rows], "notes": self.notes, "seconds": self.seconds}

    @classmethod
    def from_json(cls, data: dict) -> Report:
        report = cls(data["name"], [Row(**r) for r in data["rows"]], data["notes"], data.get("seconds", 0.0))
        return report


def fmt(value: float | None, digits: int | None = None) -> str:
    if value is None:
        return "–"
    if digits is None:
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f}"


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory = f"{mem_kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        memory = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {"nproc": str(os.cpu_count()), "memory": memory, "cpu": cpu, "python": platform.python_version(),
            "os": platform.platform(terse=True), "commit": commit or "unknown", "load": f"{os.getloadavg()[0]:.1f}"}


def run_json(args: list[str], timeout: float, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> dict:
    """Run a benchmark part in a fresh process (own memory peak) and read the JSON it prints last."""
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env={**environment, **(env or {})})
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        tail = (result.stderr or result.stdout)[-1500:]
        raise RuntimeError(f"{' '.join(args[-3:])} failed (exit {result.returncode}): {tail}")
    return json.loads(lines[-1])


# One link key per benchmark process: the in-process app and the servers and workers it starts share it.
BENCHMARK_LINK_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


def make_app(instance: Path, database_url: str | None = None, **config):
    """A throw-away app instance with the schema migrated (SQLite in `instance` unless a URL is given)."""
    os.environ["LUECKENLOS_INSTANCE"] = str(instance)
    from flask_migrate import downgrade, upgrade

    from survey import create_app

    url = database_url or f"sqlite:///{instance / 'bench.sqlite'}"
    app = create_app({"SECRET_KEY": "benchmark-only", "LINK_KEYS": BENCHMARK_LINK_KEY, "SQLALCHEMY_DATABASE_URI": url,
                      "DEMO_MODE": False, "MAIL_DEFAULT_SENDER": "Stadt Musterhausen <lueckenlos@musterhausen.de>",
                      "BASE_URL": "http://127.0.0.1:5000", "WTF_CSRF_ENABLED": False, "ACCESS_LOG": False, **config})
    with app.app_context():
        if not url.startswith("sqlite"):
            downgrade(revision="base")
        upgrade()
    return app


def quiet_logging() -> None:
    """Benchmarks print JSON on stdout; keep the app's and alembic's logs off it."""
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("survey").setLevel(logging.WARNING)
