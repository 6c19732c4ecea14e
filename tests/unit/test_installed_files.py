"""What `pip install .` (the Docker image) ships: every file of the packages that is not Python
is named in pyproject's package-data, so the installed service finds its templates,
catalogues, migrations and static files as a checkout does (the `.pot` templates are for
translators, never read by the service)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("events", "projections", "workers", "services")


def test_every_file_of_the_packages_that_is_not_python_is_installed():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]
    shipped = {path for package in PACKAGES for pattern in declared.get(package, [])
               for path in (ROOT / package).glob(pattern)}
    data = {path for package in PACKAGES for path in (ROOT / package).rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pot")
            and "__pycache__" not in path.parts}
    assert len(data) > 60  # the walk still finds the templates and catalogues
    assert sorted(str(path.relative_to(ROOT)) for path in data - shipped) == []
