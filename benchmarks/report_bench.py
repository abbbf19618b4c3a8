"""Benchmark: the PDF report (WeasyPrint) at demo size and grown, as the app builds it.

    python -m benchmarks.report_bench --base FILE [--size N] [--analyst]

`--base` is the pickled demo dataset of `analysis_bench base`; `--size 0` keeps the demo as it is.
Measured in one process, wall and CPU seconds (the CPU figure is what the machine's load does not
inflate): "charts" renders every chart image once (what the results page's image requests already
did when the planner clicks the link: the app reuses them), "pdf cold" is the first PDF of the
process (WeasyPrint's import and fonts), "pdf warm" a second one with the same images. Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time

from .common import peak_rss_mb


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict[str, float]:
    wall, cpu = _clock()
    return {"wall": round(wall - start[0], 2), "cpu": round(cpu - start[1], 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--analyst", action="store_true")
    args = parser.parse_args(argv)
    from analysis import report

    with open(args.base, "rb") as source:
        dataset = pickle.load(source)
    if args.size:
        from .synthetic import grow

        dataset = grow(dataset, args.size)
    dataset = dataset.filter()
    images: dict[str, bytes | None] = {}

    def cached(name: str, draw) -> bytes | None:
        if name not in images:
            images[name] = report._render_directly(name, draw)
        return images[name]

    result: dict = {"responses": len(dataset.responses), "viewer": "analyst" if args.analyst else "planner",
                    "load": [round(x, 1) for x in os.getloadavg()]}
    start = _clock()
    document = report.report_from_dataset(dataset, planner=not args.analyst, render=cached)
    result["charts and tables"] = _since(start)
    start = _clock()
    pdf = report.pdf(document)
    result["pdf cold"] = _since(start)
    start = _clock()
    document = report.report_from_dataset(dataset, planner=not args.analyst, render=cached)
    report.pdf(document)
    result["tables + pdf warm"] = _since(start)
    import io

    import pypdf

    result.update(pages=len(pypdf.PdfReader(io.BytesIO(pdf)).pages), kb=len(pdf) // 1024,
                  peak_rss_mb=peak_rss_mb(), load_after=[round(x, 1) for x in os.getloadavg()])
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
