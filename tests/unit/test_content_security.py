"""What the pages' Content-Security-Policy forbids is nowhere in the templates and static files
(issue 17, item 9): no inline script, no style attribute or element, no event-handler attribute,
no ``javascript:`` link. A template that needs any of them breaks under the policy; the browser
tests (tests/e2e/test_browser_*.py) show the pages work with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.platform.http_headers import PAGE_POLICY, content_security_policy
from services.pages.wiring import HERE as PAGES

pytestmark = pytest.mark.unit

FILES = sorted([*PAGES.glob("templates/**/*.html"), *PAGES.glob("static/*")])
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: link": re.compile(r"javascript:", re.IGNORECASE),
    "DOM style write": re.compile(r"\.style\.|setAttribute\(\s*[\"']style", re.IGNORECASE),
}


def test_the_pages_have_templates_and_static_files_to_check():
    assert any(path.suffix == ".html" for path in FILES)
    assert any(path.suffix == ".js" for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(PAGES)))
def test_no_template_or_static_file_needs_what_the_policy_forbids(path: Path):
    text = path.read_text(encoding="utf-8")
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{path.name}: {found}"


def test_pages_run_scripts_only_from_this_origin_and_are_never_framed():
    assert "script-src 'self'" in PAGE_POLICY and "'unsafe-inline'" not in PAGE_POLICY
    assert content_security_policy("/sign-in", "text/html; charset=utf-8") == PAGE_POLICY
    assert content_security_policy("/api/sites", "application/json").startswith(
        "default-src 'none'")
    assert content_security_policy("/schema", "text/html") == "frame-ancestors 'none'"
