"""Results for planners and analysts: overview, actors, coverage, network, a chart per question,
downloads. Every chart and download reads the same filters from the query string."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context
from flask_login import current_user, login_required

from analysis import charts, export, tables, workbook
from analysis import keys as analysis_keys
from analysis import overview as overview_mod
from analysis.csvdialect import stream_rows
from analysis.report import pdf as report_pdf

from ..models import Survey
from ..services import chart_images
from ..services import report as report_service
from ..services import results as service
from ..services.surveys import surveys_of_kommune
from .access import own_survey

bp = Blueprint("results", __name__, url_prefix="/results")
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
DIALECTS = {"excel_de": "Excel (Deutsch)", "rfc4180": "RFC 4180 (Komma)"}
DIALECT_FILES = {"excel_de": "excel", "rfc4180": "rfc4180"}
# ?variante= of the row exports → `analysis.export` variant; "rohdaten" when not given (older links)
VARIANTS = {"lesbar": export.READABLE, "rohdaten": export.RAW}
VARIANT_LABELS = {"lesbar": "lesbar (Fragetexte, Antworten im Wortlaut)",
                  "rohdaten": "Rohdaten (Codes, für SPSS, R, Stata; mit Codebuch)"}
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer() -> service.Viewer:
    return service.Viewer(planner=bool(current_user.can_plan), min_group=current_app.config["MIN_GROUP_SIZE"])


def _filters() -> service.Filters:
    return service.Filters.from_args(request.args)


def _dataset(survey: Survey, filters: service.Filters, keyed: bool = False) -> Any:
    """The filtered dataset the charts show (contact data only for planners' raw exports);
    with `keyed`, also a cache key for what is computed from it (the network)."""
    dataset, key = service.dataset_for(survey, filters.include_drafts, bool(current_user.can_plan))
    filtered = filters.apply(dataset)
    return (filtered, (key, filters)) if keyed else filtered


def _dialect() -> str:
    dialect = request.args.get("format", "excel_de")
    if dialect not in DIALECTS:
        abort(404)
    return dialect


def _variant() -> str:
    """The row export's variant word from the query string ("lesbar", "rohdaten")."""
    variant = request.args.get("variante", "rohdaten")
    if variant not in VARIANTS:
        abort(404)
    return variant


def _filename(survey: Survey, what: str, ext: str) -> str:
    return f"befragung-{survey.id}-{service.file_slug(survey.title)}-{what}.{ext}"


def _row_filename(survey: Survey, what: str, dialect: str, variant: str | None = None) -> str:
    """antworten-lesbar-<titel>-2026-12-01-excel.csv: what, variant, survey, Berlin date, dialect."""
    parts = [what, variant, service.file_slug(survey.title), service.today_berlin().isoformat(), DIALECT_FILES[dialect]]
    return "-".join(p for p in parts if p) + ".csv"


def _download(body: bytes | Iterable[bytes], content_type: str, filename: str, inline: bool = False) -> Response:
    """A file download; `content_type` is sent as given (no second charset), the name also as
    RFC 6266 `filename*` in UTF-8."""
    disposition = "inline" if inline else "attachment"
    plain = filename.encode("ascii", "replace").decode().replace('"', "")
    header = f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": header, "Cache-Control": "private, no-store"})


def _csv(rows: Iterable[Any] | Iterator[bytes], survey: Survey, what: str, encoded: bool = False,
         filename: str | None = None) -> Response:
    chunks = rows if encoded else stream_rows(rows, _dialect())
    return _download(chunks, CSV, filename or _filename(survey, what, "csv"))


@bp.route("/")
@login_required
def index():
    return render_template("results/index.html", surveys=surveys_of_kommune(current_user.kommune_id))


def _offer_options(dataset: Any, short: str) -> tuple:
    question = dataset.field(analysis_keys.OFFERS, short)
    return question.options if question else ()


@bp.route("/<int:survey_id>")
@login_required
def show(survey_id: int):
    survey = own_survey(survey_id)
    filters = _filters()
    viewer = _viewer()
    dataset, _key, data = _page(survey, filters, viewer)
    return render_template("results/show.html", survey=survey, filters=filters, query=filters.query(),
                           viewer=viewer, dataset=dataset, dialects=DIALECTS, variants=VARIANT_LABELS, **data)


def _page(survey: Survey, filters: service.Filters, viewer: service.Viewer) -> tuple[Any, Any, dict[str, Any]]:
    """The filtered dataset, its cache key and the page's data (cached: the report reuses it)."""
    unfiltered, key = service.dataset_for(survey, filters.include_drafts, bool(current_user.can_plan))
    unfiltered = service.analysed(unfiltered)
    dataset = filters.apply(unfiltered)
    key = (key, filters)
    data = service.cached(("page", key, viewer), lambda: _page_data(unfiltered, dataset, filters, viewer, key))
    return dataset, key, data


def _page_data(unfiltered: Any, dataset: Any, filters: service.Filters, viewer: service.Viewer,
               key: Any) -> dict[str, Any]:
    """Everything the results page shows, computed once per data stamp, filters and viewer."""
    coverage_charts = service.coverage_charts(dataset, filters, viewer)
    district_matrix = coverage_charts[0].extra.get("matrix") if coverage_charts else None
    net = service.network_view(dataset, key)
    network_charts = service.network_charts(dataset, net, viewer)
    questions = []
    for question in dataset.questions:
        if question.kind == "info":
            continue
        if question.key in (analysis_keys.OFFERS, analysis_keys.PARTNERS):
            questions.append((question, None))
            continue
        questions.append((question, service.question_chart(dataset, question, viewer, filters)))
    for chart in network_charts + [c for _q, c in questions if c]:
        chart.rows  # noqa: B018 - compute lazy tables now, not while rendering from the cache
    vocab = {
        "stadtteil": unfiltered.district_options, "handlungsfeld": unfiltered.sector_options,
        "traegerart": unfiltered.provider_type_options,
        "zielgruppe": _offer_options(unfiltered, analysis_keys.OFFER_TARGET_GROUPS),
        "kosten": _offer_options(unfiltered, analysis_keys.OFFER_COST),
        "setting": _offer_options(unfiltered, analysis_keys.OFFER_SETTING),
    }
    brokers = (service.broker_table(dataset, net) if net and network_charts and not network_charts[0].suppressed
               else None)
    data = dict(
        overview=overview_mod.overview(dataset.invitations), vocab=vocab,
        overview_table=tables.overview_table(dataset),
        response_chart=service.overview_chart(dataset),
        rate_tables=tables.rate_tables(dataset, viewer),
        actor_charts=service.actor_charts(dataset, viewer),
        coverage_charts=coverage_charts,
        gaps=service.gap_sentences(district_matrix) if district_matrix else [],
        dense=service.dense_sentences(district_matrix) if district_matrix else [],
        network_charts=network_charts, net=net, brokers=brokers,
        questions=questions,
        has_offers=dataset.question(analysis_keys.OFFERS) is not None,
        has_partners=dataset.question(analysis_keys.PARTNERS) is not None,
    )
    data["tables"] = service.page_tables(data)
    return data


@bp.route("/<int:survey_id>/chart/<name>.<fmt>")
@login_required
def chart(survey_id: int, name: str, fmt: str):
    """A chart as PNG or SVG, or its table as CSV (`fmt` = csv)."""
    survey = own_survey(survey_id)
    if fmt not in FORMATS and fmt != "csv":
        abort(404)
    filters = _filters()
    viewer = _viewer()
    dataset, key = _dataset(survey, filters, keyed=True)
    found = service.find_chart(service.analysed(dataset), name, filters, viewer, key)
    if found is None:
        abort(404)
    what = service.file_slug(name.replace(".", "-"), 60)
    if fmt == "csv":
        return _csv(found.data.csv_rows(), survey, what)

    def render() -> bytes | None:
        figure = found.figure()
        return charts.render(figure, fmt) if figure is not None else None

    image = chart_images.image((key, viewer, name, fmt), render)
    if image is None:
        abort(404)
    return _download(image, FORMATS[fmt], _filename(survey, what, fmt), inline=True)


def _streamed(survey: Survey, what: str, export_csv: Callable[..., Iterator[bytes]],
              required: str | None = None) -> Response:
    """A row-level export (one row per response or entry) streamed straight from the database:
    memory stays flat however many responses there are, the first rows leave at once. The rows
    are those of the filtered dataset the page shows (`service.stream_responses`); `?variante=`
    chooses "lesbar" or "Rohdaten"."""
    dialect = _dialect()
    variant = _variant()
    contacts = bool(current_user.can_plan)
    questions = service.export_questions(survey, contacts)
    if required and not any(q.key == required for q in questions):
        abort(404)
    records = service.stream_responses(survey, questions, _filters(), contacts)
    chunks = export_csv(questions, records, dialect, VARIANTS[variant])
    return _csv(stream_with_context(chunks), survey, what, encoded=True,
                filename=_row_filename(survey, what, dialect, variant))


@bp.route("/<int:survey_id>/antworten.csv")
@login_required
def responses_csv(survey_id: int):
    return _streamed(own_survey(survey_id), "antworten", export.responses_csv)


@bp.route("/<int:survey_id>/angebote.csv")
@login_required
def offers_csv(survey_id: int):
    return _streamed(own_survey(survey_id), "angebote", export.offers_csv, analysis_keys.OFFERS)


@bp.route("/<int:survey_id>/kooperationen.csv")
@login_required
def partners_csv(survey_id: int):
    return _streamed(own_survey(survey_id), "kooperationen", export.partners_csv, analysis_keys.PARTNERS)


@bp.route("/<int:survey_id>/codebuch.csv")
@login_required
def codebook_csv(survey_id: int):
    survey = own_survey(survey_id)
    dialect = _dialect()
    dataset = _dataset(survey, _filters())
    return _csv(export.codebook_csv(dataset, dialect), survey, "codebuch", encoded=True,
                filename=_row_filename(survey, "codebuch", dialect))


@bp.route("/<int:survey_id>/akteure.csv")
@login_required
def actors_csv(survey_id: int):
    """The organisations the survey concerns: code, name, sector, type, districts (no contact data)."""
    survey = own_survey(survey_id)
    dialect = _dialect()
    dataset = _dataset(survey, _filters())
    return _csv(export.actors_csv(dataset.actors, dialect), survey, "akteure", encoded=True)


def _graph(survey: Survey) -> Any:
    dataset, key = _dataset(survey, _filters(), keyed=True)
    dataset = service.analysed(dataset)
    if dataset.question(analysis_keys.PARTNERS) is None:
        abort(404)
    viewer = _viewer()
    partners = sum(1 for r in dataset.responses if r.values.get(analysis_keys.PARTNERS))
    if viewer.suppressing and partners < viewer.min_group:
        abort(404)
    return service.network_view(dataset, key).graph


@bp.route("/<int:survey_id>/netzwerk-kanten.csv")
@login_required
def edges_csv(survey_id: int):
    survey = own_survey(survey_id)
    dialect = _dialect()
    return _csv(export.edge_list_csv(_graph(survey), dialect), survey, "netzwerk-kanten", encoded=True)


@bp.route("/<int:survey_id>/netzwerk.graphml")
@login_required
def graphml(survey_id: int):
    survey = own_survey(survey_id)
    return _download(export.graphml(_graph(survey)), "application/graphml+xml",
                     _filename(survey, "netzwerk", "graphml"))


@bp.route("/<int:survey_id>/auswertung.xlsx")
@login_required
def xlsx(survey_id: int):
    """Every table of the page as a sheet, plus the row sheets streamed from the database."""
    survey = own_survey(survey_id)
    filters = _filters()
    viewer = _viewer()
    contacts = bool(current_user.can_plan)
    analysed, _key, data = _page(survey, filters, viewer)
    questions = service.export_questions(survey, contacts)
    sheets = workbook.row_sheets(questions, lambda: service.stream_responses(survey, questions, filters, contacts),
                                 _dataset(survey, filters))
    file = tempfile.TemporaryFile()
    workbook.write_workbook(file, data["tables"], sheets, title=survey.title,
                            description=_filter_description(analysed, filters),
                            privacy_note=tables.suppression_note(viewer), created=service.now())
    file.seek(0)
    return _download(_file_chunks(file), XLSX, _filename(survey, "auswertung", "xlsx"))


def _file_chunks(file: Any, size: int = 256 * 1024) -> Iterator[bytes]:
    """A temporary file in chunks, closed (and so deleted) at the end."""
    with file:
        while chunk := file.read(size):
            yield chunk


def _filter_description(dataset: Any, filters: service.Filters) -> str:
    parts = []
    for codes, label in ((filters.districts, dataset.district_label), (filters.sectors, dataset.sector_label),
                         (filters.provider_types, dataset.provider_type_label)):
        if codes:
            parts.append(", ".join(label(c) for c in codes))
    text = "Filter: " + "; ".join(parts) if parts else "Alle Einrichtungen"
    return text + (" · einschließlich noch nicht abgeschickter Antworten" if filters.include_drafts else "")


@bp.route("/<int:survey_id>/bericht.pdf")
@login_required
def report(survey_id: int):
    """The results page as an A4 report (tagged PDF): the page's cached data and chart images."""
    survey = own_survey(survey_id)
    filters = _filters()
    viewer = _viewer()
    dataset, key, data = _page(survey, filters, viewer)
    document = report_service.build(
        data, title=survey.title, kommune=survey.kommune.name, viewer=viewer, key=key,
        responses=sum(1 for r in dataset.responses if r.submitted), filters=_filter_description(dataset, filters),
        today=service.today_berlin())
    return _download(report_pdf(document), "application/pdf", _filename(survey, "bericht", "pdf"))
