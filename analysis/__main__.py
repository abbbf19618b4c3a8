"""Command line: build the PDF report or the charts from our own CSV export.

    python -m analysis report responses.csv codebook.csv --out report.pdf
    python -m analysis charts responses.csv codebook.csv --out-dir DIR [--format svg]

Add the offers/partner CSVs with --entries (repeatable) and the actor register with --actors to get
the coverage and network pages. Small numbers are suppressed unless --planner is given.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from matplotlib.figure import Figure

from . import coverage, keys, network
from .charts import defaults as default_charts
from .charts import frame as chart_frame
from .charts import heatmaps as heatmap_charts
from .dataset import Dataset
from .privacy import DEFAULT_MIN_GROUP
from .reader import read_dataset
from .report import pdf_report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Auswertung eines Lückenlos-Exports")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("report", "PDF-Bericht erzeugen"), ("charts", "Diagramme als Dateien erzeugen")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("responses", type=Path, help="Antworten-CSV (Export)")
        command.add_argument("codebook", type=Path, help="Codebuch-CSV (Export)")
        command.add_argument("--entries", type=Path, action="append", default=[],
                             help="Angebote- oder Kooperationspartner-CSV (mehrfach möglich)")
        command.add_argument("--actors", type=Path, help="Akteure-CSV (Akteursregister)")
        command.add_argument("--min-group", type=int, default=DEFAULT_MIN_GROUP,
                             help="kleinste darstellbare Gruppe (Standard: 3)")
        command.add_argument("--planner", action="store_true", help="kleine Zahlen nicht unterdrücken")
        command.add_argument("--all", action="store_true", help="auch nicht eingereichte Antworten auswerten")
    commands.choices["report"].add_argument("--out", type=Path, required=True, help="Ziel-PDF")
    commands.choices["charts"].add_argument("--out-dir", type=Path, required=True, help="Zielordner")
    commands.choices["charts"].add_argument("--format", choices=("png", "svg"), default="png")
    return parser


def _safe(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_.-]+", "_", name)


def write_charts(dataset: Dataset, out_dir: Path, fmt: str, min_group: int, planner: bool) -> list[Path]:
    """One file per chart of the dataset; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def save(name: str, fig: Figure) -> None:
        path = out_dir / f"{_safe(name)}.{fmt}"
        path.write_bytes(chart_frame.render(fig, fmt))
        written.append(path)

    for question in dataset.questions:
        fig = default_charts.chart_for(dataset, question, min_group=min_group, planner=planner)
        if fig is not None:
            save(question.key, fig)
    if dataset.question(keys.OFFERS) is not None:
        save("abdeckung.lebensphase_handlungsfeld", heatmap_charts.coverage_heatmap(coverage.phase_by_sector(dataset)))
        save("abdeckung.zielgruppe_lebensphase",
             heatmap_charts.coverage_heatmap(coverage.target_group_by_phase(dataset)))
    if dataset.question(keys.PARTNERS) is not None:
        graph = network.build_graph(dataset)
        save("netzwerk.handlungsfelder", heatmap_charts.sector_heatmap(network.sector_matrix(graph, dataset)))
    return written


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    dataset = read_dataset(args.responses, args.codebook, entries=args.entries, actors_csv=args.actors)
    dataset = dataset.filter(submitted_only=not args.all)
    if args.command == "report":
        args.out.write_bytes(pdf_report(dataset, min_group=args.min_group, planner=args.planner))
        print(f"Bericht geschrieben: {args.out}")
    else:
        paths = write_charts(dataset, args.out_dir, args.format, args.min_group, args.planner)
        print(f"{len(paths)} Diagramme geschrieben nach {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
