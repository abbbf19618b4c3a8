"""Load and validate the catalogue's TOML files into a `Catalogue`.

Every problem is collected (not just the first) and reported with file, question key and what is
wrong, so `flask catalogue check` can list them all at once. The schema is in `README.md`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kinds import KINDS, OTHER
from .model import CATALOGUE_ATTRIBUTES, LOCAL_PREFIX, Catalogue, Condition, Module, Option, Question, SurveyTemplate

DATA_DIR = Path(__file__).parent / "data"
LISTS_FILE = "lists.toml"
SYNONYMS_FILE = "synonyms.toml"  # everyday words for list options, read by questionnaires/synonyms.py
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
QUESTION_FIELDS = CATALOGUE_ATTRIBUTES  # the attributes a question may have in a file (from `model.Question`)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a catalogue file."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class CatalogueError(Exception):
    """The catalogue has problems; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reader:
    """Collects problems while turning raw TOML tables into dataclasses."""

    def __init__(self, lists: dict[str, tuple[Option, ...]]):
        self.lists = lists
        self.problems: list[Problem] = []

    def problem(self, file: str, key: str, message: str) -> None:
        self.problems.append(Problem(file, key, message))

    def flag(self, file: str, key: str, raw: dict[str, Any], name: str, default: bool) -> bool:
        """A true/false attribute; anything else (e.g. "nein") is a problem, not silently true."""
        value = raw.get(name, default)
        if not isinstance(value, bool):
            self.problem(file, key, f"{name} muss true oder false sein (nicht {value!r})")
            return default
        return value

    def options(self, file: str, key: str, raw: Any, what: str = "options") -> tuple[Option, ...]:
        if raw is None:
            return ()
        if isinstance(raw, str):
            if raw not in self.lists:
                self.problem(file, key, f"{what} verweist auf die unbekannte Liste {raw!r}")
                return ()
            return self.lists[raw]
        if not isinstance(raw, list):
            self.problem(file, key, f"{what} muss eine Liste oder der Name einer Liste sein")
            return ()
        options = []
        for entry in raw:
            if not isinstance(entry, dict) or not {"code", "label"} <= entry.keys():
                self.problem(file, key, f"{what}: jeder Eintrag braucht code und label")
                continue
            code = str(entry["code"])
            if code == OTHER:
                self.problem(file, key, f"{what}: der Code {OTHER!r} ist für „Sonstiges“ reserviert (other = true)")
            if code.startswith(LOCAL_PREFIX):  # so an option a survey adds never meets a catalogue code
                self.problem(file, key, f"{what}: Codes, die mit {LOCAL_PREFIX!r} beginnen, sind für Antworten "
                                        "reserviert, die eine Befragung ergänzt")
            options.append(Option(code=code, label=str(entry["label"])))
        return tuple(options)

    def question(self, file: str, module: str, section: str, raw: dict[str, Any], parent: str = "") -> Question | None:
        key = str(raw.get("key", ""))
        if not key:
            self.problem(file, parent, "eine Frage hat keinen key")
            return None
        if not KEY_PATTERN.fullmatch(key):
            self.problem(file, key, "key muss aus Kleinbuchstaben, Ziffern und _ bestehen, mit Punkten gegliedert")
        prefix = f"{parent or module}."
        if not key.startswith(prefix):
            self.problem(file, key, f"key muss mit {prefix!r} beginnen")
        unknown = set(raw) - QUESTION_FIELDS
        if unknown:
            self.problem(file, key, f"unbekannte Angaben: {', '.join(sorted(unknown))}")
        kind = str(raw.get("kind", ""))
        if kind not in KINDS:
            self.problem(file, key, f"unbekannte Art (kind) {kind!r}; erlaubt: {', '.join(sorted(KINDS))}")
            return None
        if not str(raw.get("prompt", "")).strip():
            self.problem(file, key, "prompt (Fragetext) fehlt")
        version = raw.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem(file, key, "version muss eine ganze Zahl ab 1 sein")
            version = 1
        condition = None
        if "condition" in raw:
            cond = raw["condition"]
            values = cond.get("equals", cond.get("in")) if isinstance(cond, dict) else None
            if isinstance(values, str):
                values = [values]
            if not isinstance(cond, dict) or "question" not in cond or not values:
                self.problem(file, key, "condition braucht question und equals (oder in)")
            else:
                condition = Condition.one_of(str(cond["question"]), tuple(str(v) for v in values))
        fields = tuple(
            q for sub in raw.get("fields", []) if (q := self.question(file, module, section, sub, parent=key))
        )
        question = Question(
            key=key,
            kind=kind,
            prompt=str(raw.get("prompt", "")).strip(),
            version=version,
            module=module,
            section=section,
            help=str(raw.get("help", "")).strip(),
            required=self.flag(file, key, raw, "required", False),
            options=self.options(file, key, raw.get("options")),
            other=self.flag(file, key, raw, "other", False),
            items=self.options(file, key, raw.get("items"), "items"),
            minimum=raw.get("min"),
            maximum=raw.get("max"),
            integer=self.flag(file, key, raw, "integer", True),
            max_entries=raw.get("max_entries"),
            condition=condition,
            fields=fields,
        )
        for message in KINDS[kind].check_definition(question):
            self.problem(file, key, message)
        return question


def _read_toml(path: Path, reader: _Reader) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        reader.problem(path.name, "", f"kein gültiges TOML: {error}")
        return {}


def _load_lists(directory: Path, reader: _Reader) -> None:
    path = directory / LISTS_FILE
    if not path.exists():
        return
    for name, table in _read_toml(path, reader).get("lists", {}).items():
        reader.lists[name] = reader.options(path.name, f"lists.{name}", table.get("options"))


def _load_module(path: Path, reader: _Reader) -> Module | None:
    data = _read_toml(path, reader)
    meta = data.get("module", {})
    key = str(meta.get("key", ""))
    if not key:
        reader.problem(path.name, "", "[module] braucht key und title")
        return None
    questions: list[Question] = []
    for section in data.get("sections", []):
        title = str(section.get("title", "")).strip()
        if not title:
            reader.problem(path.name, key, "ein Abschnitt ([[sections]]) hat keinen title")
        for raw in section.get("questions", []):
            question = reader.question(path.name, key, title, raw)
            if question:
                questions.append(question)
    return Module(key=key, title=str(meta.get("title", key)), description=str(meta.get("description", "")),
                  questions=tuple(questions))


def _load_template(path: Path, reader: _Reader) -> SurveyTemplate:
    data = _read_toml(path, reader)
    pages = tuple(
        (str(page.get("title", "")), tuple(str(k) for k in page.get("questions", [])))
        for page in data.get("pages", [])
    )
    return SurveyTemplate(key=path.stem, title=str(data.get("title", path.stem)),
                          description=str(data.get("description", "")), pages=pages,
                          confidential=data.get("confidential") is True)


def _check_references(catalogue: Catalogue, files: dict[str, str], reader: _Reader) -> None:
    seen: dict[str, str] = {}
    for module in catalogue.modules:
        for question in module.questions:
            if question.key in seen:
                reader.problem(files[module.key], question.key, f"key kommt doppelt vor (auch in {seen[question.key]})")
            seen[question.key] = files[module.key]
    order = {key: n for n, key in enumerate(seen)}
    for module in catalogue.modules:
        for question in module.questions:
            cond = question.condition
            if cond is None:
                continue
            for clause in cond.clauses:
                target = catalogue.get(clause.question)
                if target is None:
                    reader.problem(files[module.key], question.key,
                                   f"condition verweist auf die unbekannte Frage {clause.question!r}")
                    continue
                if order[target.key] >= order[question.key]:
                    reader.problem(files[module.key], question.key, "condition muss auf eine frühere Frage verweisen")
                codes = set(target.option_codes) | ({OTHER} if target.other else set())
                for value in clause.values:
                    if value not in codes:
                        reader.problem(files[module.key], question.key,
                                       f"condition: {value!r} ist kein Optionscode von {target.key}")
    for template in catalogue.templates:
        for _title, keys in template.pages:
            for key in keys:
                if catalogue.get(key) is None:
                    reader.problem(f"templates/{template.key}.toml", key, "unbekannte Frage in der Vorlage")


def load_catalogue(directory: Path | str = DATA_DIR) -> Catalogue:
    """Read every module under `directory`; raise `CatalogueError` listing all problems."""
    directory = Path(directory)
    reader = _Reader(lists={})
    _load_lists(directory, reader)
    modules: list[Module] = []
    files: dict[str, str] = {}  # module key → file name
    for path in sorted(directory.glob("*.toml")):
        if path.name in (LISTS_FILE, SYNONYMS_FILE):
            continue
        module = _load_module(path, reader)
        if module and module.key in files:
            reader.problem(path.name, module.key, f"Modul-key kommt doppelt vor (auch in {files[module.key]})")
        elif module:
            modules.append(module)
            files[module.key] = path.name
    templates = tuple(_load_template(p, reader) for p in sorted((directory / "templates").glob("*.toml")))
    catalogue = Catalogue(modules=tuple(modules), templates=templates, lists=dict(reader.lists))
    _check_references(catalogue, files, reader)
    if reader.problems:
        raise CatalogueError(reader.problems)
    return catalogue
