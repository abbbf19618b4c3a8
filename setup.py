"""Build step: a wheel carries the top-level templates/, static/ and migrations/ inside `survey`.

The repository keeps these folders at the top (where developers and the browser tests expect
them); the wheel gets copies under `survey/_bundled/`, which `survey/config.py` prefers when it
exists. Editable installs skip the copy and keep reading the checkout. Everything else is in
pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("templates", "static", "migrations")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "survey" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build
        for name in BUNDLED:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"{source} fehlt: the wheel needs it (survey/_bundled/{name})")
            shutil.copytree(source, target / name, ignore=IGNORE)


setup(cmdclass={"build_py": BuildPyWithBundle})
