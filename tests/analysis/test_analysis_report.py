"""The PDF report, the command line and the package boundary."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pdfcheck
from analysis import export, report, tables
from analysis.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_pdf_report_starts_with_pdf_magic(submitted):
    pdf = report.pdf_report(submitted)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_every_page_of_the_report_is_a4_and_says_its_number(submitted):
    pdf = pdfcheck.reader(report.pdf_report(submitted, today=dt.date(2026, 3, 2), kommune="Stadt Musterhausen"))
    pages = pdfcheck.texts(pdf)
    assert len(pages) >= 5  # title, contents, sections
    for number, (page, text) in enumerate(zip(pdf.pages, pages, strict=True), start=1):
        assert pdfcheck.is_a4(page), number
        assert f"Seite {number} von {len(pages)}" in text, number
    title = pages[0]
    for expected in ("Stadt Musterhausen", "Bestandsaufnahme Präventionskette Nordstadt 2024", "02.03.2026",
                     "Alle Einrichtungen", "weniger als 3 Antworten"):
        assert expected in title, expected


def test_contents_give_the_page_each_section_starts_on(submitted):
    pdf = pdfcheck.reader(report.pdf_report(submitted))
    pages = pdfcheck.texts(pdf)
    contents = re.findall(r"^(\d)\. (.+?)[ .]*(\d+)$", pages[1], re.MULTILINE)
    assert [title for _n, title, _page in contents] == [
        "Rücklauf", "Akteure", "Angebote und Abdeckung der Präventionskette", "Netzwerke", "Alle Fragen"]
    for number, title, page in contents:
        assert f"{number}. {title}" in pages[int(page) - 1], (title, page)


def test_report_is_tagged_with_language_title_figure_texts_and_header_cells(submitted):
    pdf = pdfcheck.reader(report.pdf_report(submitted))
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "de" and root["/MarkInfo"]["/Marked"]
    assert "Bestandsaufnahme Präventionskette Nordstadt 2024" in pdf.metadata.title
    elements = pdfcheck.structure(pdf)
    kinds = {str(e["/S"]) for e in elements}
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= kinds
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert len(figures) >= 5
    assert all(str(f.get("/Alt", "")).startswith("Diagramm: ") for f in figures)


def _one_table(table: report.Table) -> report.Report:
    section = report.Section("teil", "Teil", blocks=[table])
    return report.Report("Tabellen", [section], dt.date(2026, 1, 5))


def test_a_long_table_continues_on_further_pages_with_its_header_repeated():
    rows = [[f"Einrichtung {n}", n, 100.0 * n / 150] for n in range(150)]
    pdf = pdfcheck.reader(report.pdf(_one_table(report.Table("Lange Liste", ["Name", "Anzahl", "Anteil (%)"], rows))))
    pages = pdfcheck.texts(pdf)[2:]  # after title and contents
    assert len(pages) >= 3
    for text in pages:
        assert "Name Anzahl Anteil (%)" in text
    assert "Einrichtung 149" in pages[-1] and "99,3" in pages[-1]


def test_only_a_matrix_too_wide_for_portrait_gets_a_landscape_page():
    columns = [f"Stadtteil {n}" for n in range(14)]
    wide = report.Table("Breit", ["Art", *columns], [[f"Art {r}", *range(14)] for r in range(20)])
    turned = report.Table("Quer", ["Phase \\ Stadtteil", *columns], [[f"Phase {r}", *range(14)] for r in range(4)])
    square = report.Table("Quadrat", ["Feld", *columns], [[c, *range(14)] for c in columns])
    assert report.printable(wide).wide
    assert report.printable(turned).header == ["Stadtteil \\ Phase", "Phase 0", "Phase 1", "Phase 2", "Phase 3"]
    assert report.printable(square).numbered and not report.printable(square).wide
    for table, landscape in ((wide, True), (turned, False), (square, False)):
        pdf = pdfcheck.reader(report.pdf(_one_table(table)))
        body = pdf.pages[2:]
        assert all(pdfcheck.is_a4(p) for p in pdf.pages)
        assert {pdfcheck.is_landscape(p) for p in body} == {landscape}, table.title
        assert not any(pdfcheck.is_landscape(p) for p in pdf.pages[:2])


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


def test_a_chart_that_prints_its_numbers_has_them_in_its_alt_text_and_no_second_table(submitted):
    """Bars and heatmaps print every number: the report shows the chart alone (half the layout
    work) and a screen reader gets the numbers from the figure's alt text."""
    document = report.report_from_dataset(submitted, planner=True)
    figures = [b for b in report.blocks_of(document) if isinstance(b, report.Figure)]
    alone = [f for f in figures if f.table is None]
    assert alone and any(f.table is not None for f in figures)  # e.g. the histogram keeps its table
    sector = next(f for f in alone if f.title == "Antwortende Einrichtungen nach Handlungsfeld")
    table = next(t for t in tables.actor_tables(
        submitted, report.Audience(True, 3)) if t.title == sector.title)
    label, count, share = (text for text, _column in table.display_rows()[0])
    assert f"{label}: {count}, {share}" in sector.alt
    pdf = pdfcheck.reader(report.pdf(document))
    alts = [str(e.get("/Alt", "")) for e in pdfcheck.structure(pdf) if e["/S"] == "/Figure"]
    assert any(f"{label}: {count}, {share}" in alt for alt in alts)
    text = "\n".join(pdfcheck.texts(pdf))
    assert "die Zahlen stehen im Diagramm, als Tabelle in der Excel-Arbeitsmappe" in text
