"""Browser tests: Debian's Chromium, driven by Playwright, against the live server.

Tests here are marked ``browser`` and ``django_db(transaction=True)``: the live
server runs in another thread with its own connection, so it only sees rows
that were committed.
"""

import os
from collections.abc import Callable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

# The sync Playwright API runs an event loop in this thread, and Django refuses
# database access from a thread with a running loop unless told otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"No Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`.")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def console_errors() -> list[str]:
    """Error messages the page wrote to its console (CSP refusals among them)."""
    return []


@pytest.fixture
def page(browser: Browser, live_server, settings, console_errors: list[str]) -> Iterator[Page]:
    """A fresh page in its own context (no cookies shared between tests).

    Relative URLs go to the live server: ``page.goto("/find/")``, and so do the
    links the portal writes into e-mails (SITE_URL is the live server's address).
    When the test ends, any Content Security Policy refusal the browser logged
    fails it.
    """
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    refused = _csp_errors(console_errors)
    if refused:
        pytest.fail("The Content Security Policy blocked something:\n" + "\n".join(refused))


def _csp_errors(messages: list[str]) -> list[str]:
    return [text for text in messages if "Content Security Policy" in text]


@pytest.fixture(scope="session")
def axe() -> Axe:
    # Axe.run injects axe-core with page.evaluate, which goes through the
    # DevTools protocol and is not subject to the page's CSP (add_script_tag
    # would be refused by script-src 'self').
    return Axe()


@pytest.fixture
def axe_check(axe: Axe, console_errors: list[str]) -> Callable[..., None]:
    """Return ``check(page, context=None)``: fail on any axe-core violation.

    ``context`` (a CSS selector) narrows the check to part of the page. Also
    fails on CSP refusals logged so far, so the message names the page just
    checked.
    """

    def check(page: Page, context: str | None = None) -> None:
        results = axe.run(page, context=context)
        violations = results.response["violations"]
        problems = [_describe(violation) for violation in violations]
        problems += [f"CSP: {text}" for text in _csp_errors(console_errors)]
        if problems:
            pytest.fail(
                f"{len(problems)} accessibility problem(s) on {page.url}:\n\n"
                + "\n\n".join(problems),
                pytrace=False,
            )

    return check


def _describe(violation: dict) -> str:
    """One readable block per axe rule: id, impact, help, then each element."""
    lines = [
        f"[{violation['id']}] ({violation.get('impact') or 'no impact given'}) {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        lines.append(f"  - {target}")
        summary = (node.get("failureSummary") or "").strip()
        for detail in summary.splitlines():
            lines.append(f"      {detail.strip()}")
    return "\n".join(lines)
