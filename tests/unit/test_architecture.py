"""The import contracts of pyproject.toml, checked by import-linter in this process."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import EXIT_STATUS_ERROR, EXIT_STATUS_SUCCESS, lint_imports

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def run_import_linter(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    return status, capsys.readouterr().out


def test_dependencies_point_one_way_as_the_import_contracts_say(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # import-linter finds the root packages from the working directory
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    assert len(contracts) >= 2, "pyproject.toml lost its import contracts"

    status, report = run_import_linter(ROOT / "pyproject.toml", capsys)

    assert status == EXIT_STATUS_SUCCESS, report
    assert f"Contracts: {len(contracts)} kept, 0 broken." in report, report


def test_a_broken_contract_fails_the_check(capsys, monkeypatch, tmp_path):
    """Guards the guard: a contract the code certainly breaks is reported as broken."""
    monkeypatch.chdir(ROOT)
    config = tmp_path / "broken.toml"
    config.write_text(
        """
[tool.importlinter]
root_packages = ["events"]

[[tool.importlinter.contracts]]
name = "The store may not use the hashing module (it does)"
type = "forbidden"
source_modules = ["events.store"]
forbidden_modules = ["events.hashing"]
"""
    )
    status, report = run_import_linter(config, capsys)
    assert status == EXIT_STATUS_ERROR
    assert "BROKEN" in report and "events.store -> events.hashing" in report, report


OUTSIDE_THE_STORE = ("services", "projections", "workers")
SQL_ON_EVENTS = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+events\b")
THE_STORES_POOL = re.compile(r"\bstore\._?pool\b")


def test_only_events_writes_sql_against_the_events_table_or_reaches_the_stores_pool():
    """The store is narrow: its table, columns and read barrier are known in events/ alone."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in OUTSIDE_THE_STORE
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SQL_ON_EVENTS.search(line) or THE_STORES_POOL.search(line)
    ]
    assert found == []
