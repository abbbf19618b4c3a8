"""The PDF report, the command line and the package boundary."""

import subprocess
import sys
from pathlib import Path

from analysis import export
from analysis.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_pdf_report_starts_with_pdf_magic(submitted):
    pdf = export.pdf_report(submitted)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page") >= 15  # title, overview, a chart per question, coverage, network


def test_cli_builds_report_and_charts_from_the_export(tmp_path, dataset, capsys):
    files = {
        "antworten.csv": export.responses_csv(dataset.questions, dataset.responses),
        "codebuch.csv": export.codebook_csv(dataset),
        "angebote.csv": export.offers_csv(dataset.questions, dataset.responses),
        "partner.csv": export.partners_csv(dataset.questions, dataset.responses),
    }
    for name, chunks in files.items():
        (tmp_path / name).write_bytes(b"".join(chunks))
    common = [str(tmp_path / "antworten.csv"), str(tmp_path / "codebuch.csv"),
              "--entries", str(tmp_path / "angebote.csv"), "--entries", str(tmp_path / "partner.csv")]
    assert main(["report", *common, "--out", str(tmp_path / "bericht.pdf")]) == 0
    assert (tmp_path / "bericht.pdf").read_bytes().startswith(b"%PDF")
    assert main(["charts", *common, "--out-dir", str(tmp_path / "bilder"), "--format", "svg", "--planner"]) == 0
    written = sorted(p.name for p in (tmp_path / "bilder").iterdir())
    assert "netzwerk.bewertung.svg" in written and "kooperation.partner.svg" in written
    assert "abdeckung.zielgruppe_lebensphase.svg" in written


def test_analysis_never_imports_flask_or_survey():
    code = (
        "import sys, analysis, analysis.__main__, analysis.charts, analysis.export, analysis.report;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'survey', 'matplotlib.pyplot')"
        " or m == 'matplotlib.pyplot'];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
