"""Results for planners and analysts: overview, actors, coverage, network, a chart per question,
downloads. Every chart and download reads the same filters from the query string."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from analysis import export, privacy
from analysis import keys as analysis_keys
from analysis.charts import frame as chart_frame
from analysis.csvdialect import stream_rows
from questionnaires import formatting as fmt
from questionnaires.kinds import RAW, READABLE

from ..extensions import db
from ..models import Job, Survey
from ..services import chart_images, coding, downloads, jobs, results_page, row_access, test_run
from ..services.results import cache as results_cache
from ..services.results import charts as results_charts
from ..services.results import dataset as results_dataset
from ..services.results import files as results_files
from ..services.results import filters as results_filters
from ..services.surveys import surveys_of_kommune
from .access import own_survey

bp = Blueprint("results", __name__, url_prefix="/results")
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
DIALECTS = {"excel_de": "Excel (Deutsch)", "rfc4180": "RFC 4180 (Komma)"}
DIALECT_FILES = {"excel_de": "excel", "rfc4180": "rfc4180"}
# ?variante= of the row exports → `analysis.export` variant; "rohdaten" when not given (older links)
VARIANTS = {"lesbar": READABLE, "rohdaten": RAW}
VARIANT_LABELS = {"lesbar": "lesbar (Fragetexte, Antworten im Wortlaut)",
                  "rohdaten": "Rohdaten (Codes, für SPSS, R, Stata; mit Codebuch)"}
CSV = "text/csv; charset=utf-8"



def _viewer(survey: Survey) -> results_charts.Viewer:
    return results_charts.Viewer(planner=bool(current_user.can_plan), min_group=current_app.config["MIN_GROUP_SIZE"],
                          rows=row_access.shared(survey), free_text=row_access.free_text(survey))


def _row_refusal(survey: Survey, filters: results_filters.Filters) -> str:
    """Why the viewer may not download row-level data for these filters ("" when they may)."""
    viewer = _viewer(survey)
    if viewer.planner:
        return ""
    organisations = len(_dataset(survey, filters).responses)
    return row_access.refusal(survey, viewer.planner, viewer.min_group, organisations)


def _refused(survey: Survey, filters: results_filters.Filters, message: str) -> Response:
    """The German page saying why a row-level download is refused (403), with the way back."""
    body = render_template("results/refused.html", survey=survey, message=message, query=filters.query())
    return Response(body, status=403, headers={"Cache-Control": "private, no-store"})


def _filters() -> results_filters.Filters:
    return results_filters.Filters.from_args(request.args)


def _dataset(survey: Survey, filters: results_filters.Filters, keyed: bool = False) -> Any:
    """The filtered dataset the charts show (contact data only for planners' raw exports);
    with `keyed`, also a cache key for what is computed from it (the network)."""
    dataset, key = results_cache.dataset_for(survey, filters.include_drafts, bool(current_user.can_plan))
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
    return f"befragung-{survey.id}-{results_files.file_slug(survey.title)}-{what}.{ext}"


def _row_filename(survey: Survey, what: str, dialect: str, variant: str | None = None) -> str:
    """antworten-lesbar-<titel>-2026-12-01-excel.csv: what, variant, survey, Berlin date, dialect."""
    parts = [what, variant, results_files.file_slug(survey.title), results_files.today_berlin().isoformat(),
             DIALECT_FILES[dialect]]
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


@bp.route("/<int:survey_id>")
@login_required
def show(survey_id: int):
    survey = own_survey(survey_id)
    filters = _filters()
    viewer = _viewer(survey)
    dataset, _key, data = results_page.page(survey, filters, viewer)
    prepared = {what: _state(downloads.PRODUCTS[what], survey, job)
                for what, job in downloads.find_all(survey, filters, viewer).items()}
    rows_refused = "" if viewer.planner else row_access.refusal(survey, False, viewer.min_group,
                                                                len(dataset.responses))
    held = test_run.holdings(survey)  # answers of the Probelauf, marked in every table and export
    return render_template("results/show.html", survey=survey, filters=filters, query=filters.query(),
                           viewer=viewer, dataset=dataset, dialects=DIALECTS, variants=VARIANT_LABELS,
                           prepared=prepared, rows_refused=rows_refused,
                           test_answers=held.responses if filters.include_drafts else held.submitted, **data)


@bp.route("/<int:survey_id>/chart/<name>.<fmt>")
@login_required
def chart(survey_id: int, name: str, fmt: str):
    """A chart as PNG or SVG, or its table as CSV (`fmt` = csv)."""
    survey = own_survey(survey_id)
    if fmt not in FORMATS and fmt != "csv":
        abort(404)
    filters = _filters()
    viewer = _viewer(survey)
    dataset, key = _dataset(survey, filters, keyed=True)
    found = results_charts.find_chart(results_dataset.analysed(dataset), name, filters, viewer, key)
    if found is None:
        abort(404)
    what = results_files.file_slug(name.replace(".", "-"), 60)
    if fmt == "csv":
        return _csv(found.data.csv_rows(), survey, what)

    def render() -> bytes | None:
        figure = found.figure()
        return chart_frame.render(figure, fmt) if figure is not None else None

    image = chart_images.image((key, viewer, name, fmt), render)
    if image is None:
        abort(404)
    return _download(image, FORMATS[fmt], _filename(survey, what, fmt), inline=True)


def _streamed(survey: Survey, what: str, export_csv: Callable[..., Iterator[bytes]],
              required: str | None = None) -> Response:
    """A row-level export (one row per response or entry) streamed straight from the database:
    memory stays flat however many responses there are, the first rows leave at once. The rows
    are those of the filtered dataset the page shows (`results_dataset.stream_responses`); `?variante=`
    chooses "lesbar" or "Rohdaten"."""
    dialect = _dialect()
    variant = _variant()
    filters = _filters()
    contacts = bool(current_user.can_plan)
    questions = results_dataset.export_questions(survey, contacts)
    if required and not any(q.key == required for q in questions):
        abort(404)
    refused = _row_refusal(survey, filters)
    if refused:
        return _refused(survey, filters, refused)
    if not contacts:
        questions = privacy.row_questions(questions, row_access.free_text(survey))
    records = results_dataset.stream_responses(survey, questions, filters, contacts)
    chunks = export_csv(questions, records, dialect, VARIANTS[variant])
    return _csv(stream_with_context(chunks), survey, what, encoded=True,
                filename=_row_filename(survey, what, dialect, variant))


@bp.route("/<int:survey_id>/antworten.csv")
@login_required
def responses_csv(survey_id: int):
    survey = own_survey(survey_id)  # a coded question gets its category column
    return _streamed(survey, "antworten", functools.partial(export.responses_csv, codings=coding.codings_of(survey)))


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
    if not current_user.can_plan:  # the codebook of the columns analysts get
        dataset = replace(dataset, questions=privacy.row_questions(dataset.questions, row_access.free_text(survey)))
    return _csv(export.codebook_csv(dataset, dialect), survey, "codebuch", encoded=True,
                filename=_row_filename(survey, "codebuch", dialect))


@bp.route("/<int:survey_id>/akteure.csv")
@login_required
def actors_csv(survey_id: int):
    """The organisations the survey concerns: code, name, sector, type, districts (no contact data)."""
    survey = own_survey(survey_id)
    dialect = _dialect()
    filters = _filters()
    refused = _row_refusal(survey, filters)
    if refused:
        return _refused(survey, filters, refused)
    actors = _dataset(survey, filters).actors  # analysts: codes instead of names, no filter attributes
    if not current_user.can_plan:
        actors = privacy.row_actors(actors)
    return _csv(export.actors_csv(actors, dialect), survey, "akteure", encoded=True)


def _graph(survey: Survey) -> Any:
    """The partner network of the filtered dataset for the row downloads (analysts: nodes named
    by their codes, without the filter attributes)."""
    dataset, key = _dataset(survey, _filters(), keyed=True)
    dataset = results_dataset.analysed(dataset)
    if dataset.question(analysis_keys.PARTNERS) is None:
        abort(404)
    viewer = _viewer(survey)
    partners = sum(1 for r in dataset.responses if r.values.get(analysis_keys.PARTNERS))
    if viewer.suppressing and partners < viewer.min_group:
        abort(404)
    view = results_charts.network_view(dataset, key)
    if view is None:  # the survey asks for no partners
        abort(404)
    graph = view.graph
    return graph if viewer.planner else privacy.row_graph(graph)


@bp.route("/<int:survey_id>/netzwerk-kanten.csv")
@login_required
def edges_csv(survey_id: int):
    survey = own_survey(survey_id)
    dialect = _dialect()
    filters = _filters()
    refused = _row_refusal(survey, filters)
    if refused:
        return _refused(survey, filters, refused)
    return _csv(export.edge_list_csv(_graph(survey), dialect), survey, "netzwerk-kanten", encoded=True)


@bp.route("/<int:survey_id>/netzwerk.graphml")
@login_required
def graphml(survey_id: int):
    survey = own_survey(survey_id)
    filters = _filters()
    refused = _row_refusal(survey, filters)
    if refused:
        return _refused(survey, filters, refused)
    return _download(export.graphml(_graph(survey)), "application/graphml+xml",
                     _filename(survey, "netzwerk", "graphml"))


@bp.route("/<int:survey_id>/auswertung.xlsx")
@login_required
def xlsx(survey_id: int):
    """Every table of the page as a sheet, plus the row sheets: prepared by the job worker."""
    return _prepared_file(survey_id, "arbeitsmappe")


@bp.route("/<int:survey_id>/bericht.pdf")
@login_required
def report(survey_id: int):
    """The results page as an A4 report (tagged PDF): prepared by the job worker."""
    return _prepared_file(survey_id, "bericht")


def _product(what: str) -> downloads.Product:
    product = downloads.PRODUCTS.get(what)
    if product is None:
        abort(404)
    return product


def _own_job(job: Any) -> Any:
    """A job of the viewer's own Kommune (anything else is treated as not there)."""
    return job if job is not None and job.kommune_id == current_user.kommune_id else None


def _state(product: downloads.Product, survey: Survey, job: Any) -> dict[str, Any]:
    """What the page says about a prepared download: state, German message, file link and size."""
    job = _own_job(job)
    query = _filters().query()
    state = "none" if job is None else job.state.value
    path = downloads.path_of(job) if job is not None else None
    if state == "done" and path is None:
        state = "none"
    info: dict[str, Any] = {"state": state, "busy": product.busy, "ready": product.ready,
                            "url": url_for(f"results.{'report' if product.what == 'bericht' else 'xlsx'}",
                                           survey_id=survey.id, **query),
                            "page": url_for("results.prepare", survey_id=survey.id, was=product.what, **query),
                            "status": url_for("results.prepare_status", survey_id=survey.id, was=product.what,
                                              **query)}
    if state == "done":
        size = job.result_size or 0
        amount = (f"{fmt.number(size / 1024 / 1024, 1)} MB" if size >= 1024 * 1024
                  else f"{fmt.number(size / 1024, 0)} kB")
        info["size"] = f"{product.ext.upper()}, {amount}"
        info["message"] = f"Fertig: {product.ready} ({info['size']})"
    elif state in ("queued", "running"):
        info["message"] = f"{product.busy} …"
        if not jobs.worker_status()["jobs"].running:
            info["worker_down"] = ("Der Hintergrunddienst, der Berichte und Arbeitsmappen erstellt, läuft gerade "
                                   "nicht. Die Datei wird erstellt, sobald er wieder läuft.")
    elif state == "failed":
        info["message"] = (f"{product.label} konnte nicht erstellt werden: {job.error} "
                           "Bitte versuchen Sie es erneut.")
    return info


def _prepared_file(survey_id: int, what: str) -> ResponseReturnValue:
    """The prepared file when it is ready for what the page shows now; otherwise the job is
    started (or found) and the waiting page answers (it refreshes until the file is there)."""
    survey = own_survey(survey_id)
    product = _product(what)
    filters = _filters()
    job = _own_job(downloads.start(product, survey, filters, _viewer(survey)))
    db.session.commit()
    path = downloads.path_of(job) if job is not None else None
    if path is None:
        return redirect(url_for("results.prepare", survey_id=survey.id, was=what, **filters.query()))
    return _download(_file_chunks(path.open("rb")), product.content_type, downloads.filename(product, survey))


@bp.route("/<int:survey_id>/vorbereiten/<was>", methods=["GET", "POST"])
@login_required
def prepare(survey_id: int, was: str):
    """The page that says a file is being prepared (it refreshes itself), then offers it.
    A POST runs a failed preparation again."""
    survey = own_survey(survey_id)
    product = _product(was)
    filters = _filters()
    job = downloads.start(product, survey, filters, _viewer(survey))
    if request.method == "POST":
        downloads.retry(job)
        db.session.commit()
        return redirect(url_for("results.prepare", survey_id=survey.id, was=was, **filters.query()))
    db.session.commit()
    info = _state(product, survey, job)
    return render_template("results/prepare.html", survey=survey, product=product, info=info,
                           query=filters.query(), refresh=info["state"] in ("queued", "running", "none"))


@bp.route("/<int:survey_id>/vorbereiten/<was>/status")
@login_required
def prepare_status(survey_id: int, was: str):
    """The state of a prepared download as JSON (for prepare-download.js); `?starten=1` starts it."""
    survey = own_survey(survey_id)
    product = _product(was)
    filters = _filters()
    viewer = _viewer(survey)
    if request.args.get("starten") == "1":
        job: Job | None = downloads.start(product, survey, filters, viewer)
        db.session.commit()
    else:
        job = downloads.find(product, survey, filters, viewer)
    response = _state(product, survey, job)
    return response, 200, {"Cache-Control": "private, no-store"}


def _file_chunks(file: Any, size: int = 256 * 1024) -> Iterator[bytes]:
    """A temporary file in chunks, closed (and so deleted) at the end."""
    with file:
        while chunk := file.read(size):
            yield chunk
