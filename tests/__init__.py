"""The test suite: tiers in unit/, integration/ and e2e/; what tests share (fixtures, constants,
helpers) in the support modules beside this file, never imported from another test module.

pytest rewrites the asserts of test modules only; the support modules are registered here, before
anything imports them, so that a failing assert in one shows the values it compared too."""

from pathlib import Path

import pytest

pytest.register_assert_rewrite(*(f"tests.{path.stem}" for path in Path(__file__).parent.glob("*.py")
                                 if path.stem not in {"__init__", "conftest"}))
