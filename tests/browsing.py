"""Chromium for the browser tests: playwright (skipping the test where it is missing), the
browser, the screenshots' folder, and what a page's Content-Security-Policy refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest


async_api = pytest.importorskip("playwright.async_api")
expect = async_api.expect


def policy_violations(context: Any) -> list[str]:
    """What the Content-Security-Policy refused on any page of ``context``, as Chromium reports
    it on the console (the pages must need nothing it forbids: issue 17)."""
    refused: list[str] = []
    context.on("console", lambda message: refused.append(message.text)
               if "Content Security Policy" in message.text else None)
    return refused


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / ".treffpunkt" / "screenshots"


DESKTOP = {"width": 1280, "height": 900}


async_playwright = pytest.importorskip("playwright.async_api").async_playwright


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=["--no-sandbox", "--lang=de-DE"])
        try:
            yield chromium
        finally:
            await chromium.close()


async def sign_in_on(page: Any, email: str, password: str) -> None:
    """Fill the sign-in form the page shows and send it (the caller waits for where it leads)."""
    await page.get_by_label("E-Mail").fill(email)
    await page.get_by_label("Passwort").fill(password)
    await page.get_by_role("button", name="Anmelden").click()
