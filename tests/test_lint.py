"""The lint exemptions stay few and explained: every `# noqa` names its codes and says why, every
`# type: ignore` names its error code and says why, and there are at most CAP of them together.

`make lint` (ruff + mypy, run by `make test`) decides whether the code is clean; this test keeps the
way out of it narrow. Raise CAP only with a reason in the commit that needs it."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAP = 25  # exemption comments of both kinds together, over every path ruff checks (docs/architecture.md)

NOQA = re.compile(r"#\s*noqa\b(?P<rest>.*)", re.IGNORECASE)
NOQA_OK = re.compile(r"^: [A-Z]+[0-9]+(,[A-Z]+[0-9]+)* -- \S.{4,}$")
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)")
IGNORE_OK = re.compile(r"^\[[a-z-]+(, ?[a-z-]+)*\]  # \S.{4,}$")


def _lint_paths() -> list[Path]:
    """The paths `make lint` gives ruff (LINT_PATHS in the Makefile), so both name the same files."""
    line = next(line for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
                if line.startswith("LINT_PATHS :="))
    return [ROOT / part for part in line.split(":=", 1)[1].split()]


def _python_files() -> list[Path]:
    files = []
    for path in _lint_paths():
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f for f in files if "node_modules" not in f.parts]


def _comments(path: Path) -> list[tuple[int, str]]:
    with path.open("rb") as handle:
        return [(t.start[0], t.string) for t in tokenize.tokenize(handle.readline) if t.type == tokenize.COMMENT]


def _exemptions() -> list[tuple[str, int, str, bool]]:
    """(file, line, comment, well-formed) for every noqa / type: ignore comment."""
    found = []
    for path in _python_files():
        for line, comment in _comments(path):
            name = str(path.relative_to(ROOT))
            if match := IGNORE.search(comment):
                found.append((name, line, comment, bool(IGNORE_OK.match(match["rest"]))))
            elif match := NOQA.search(comment):
                found.append((name, line, comment, bool(NOQA_OK.match(match["rest"]))))
    return found


def test_the_lint_paths_exist():
    assert all(path.exists() for path in _lint_paths()), _lint_paths()
    assert len(_python_files()) > 100


def test_every_exemption_names_its_codes_and_gives_a_reason():
    bad = [f"{name}:{line}: {comment}" for name, line, comment, ok in _exemptions() if not ok]
    assert not bad, ("write `# noqa: E501 -- why` or `# type: ignore[code]  # why`:\n" + "\n".join(bad))


def test_exemptions_stay_under_the_cap():
    found = _exemptions()
    assert len(found) <= CAP, "\n".join(f"{name}:{line}: {comment}" for name, line, comment, _ok in found)


def test_the_checks_recognise_a_bare_exemption():
    assert not NOQA_OK.match(NOQA.search("x = 1  # noqa")["rest"])
    assert not NOQA_OK.match(NOQA.search("x = 1  # noqa: E501")["rest"])
    assert NOQA_OK.match(NOQA.search("x = 1  # noqa: E501,F401 -- a generated line")["rest"])
    assert not IGNORE_OK.match(IGNORE.search("x = 1  # type: ignore")["rest"])
    assert not IGNORE_OK.match(IGNORE.search("x = 1  # type: ignore[misc]")["rest"])
    assert IGNORE_OK.match(IGNORE.search("x = 1  # type: ignore[misc]  # the stub is wrong")["rest"])
