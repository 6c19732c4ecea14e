"""Test modules share fixtures, constants and helpers through support modules under tests/
(``tests/accounts_world.py``, ``tests/browsing.py``, ...) or conftest.py, never by importing
another test module: importing one runs its module-level code, hides where a shared name lives,
and ties two test files together so that neither can be moved or split alone."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def is_test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")


def imports_of_test_modules(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and is_test_module(node.module):
            found.append(f"{node.lineno}: from {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.lineno}: from {node.module} import {alias.name}"
                      for alias in node.names if is_test_module(f"{node.module}.{alias.name}")]
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {alias.name}"
                      for alias in node.names if is_test_module(alias.name)]
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def test_the_checker_sees_every_form_of_importing_a_test_module():
    source = (
        "from tests.accounts_world import ADMIN\n"
        "from tests.integration.test_accounts_api import world\n"
        "import tests.e2e.test_serve\n"
        "def later():\n"
        "    from tests.unit.test_ledger import as_attacker\n"
        "from tests.integration import test_accounts_api as accounts\n"
    )
    assert imports_of_test_modules(source) == [
        "2: from tests.integration.test_accounts_api",
        "3: import tests.e2e.test_serve",
        "5: from tests.unit.test_ledger",
        "6: from tests.integration import test_accounts_api",
    ]


def test_no_module_under_tests_imports_a_test_module():
    found = [f"{path.relative_to(TESTS.parent)}:{line}"
             for path in sorted(TESTS.rglob("*.py"))
             for line in imports_of_test_modules(path.read_text(encoding="utf-8"))]
    assert found == []
