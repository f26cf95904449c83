"""Playwright driving Debian's chromium against pytest-django's live server.

The session's one browser is the `browser` fixture of tests/conftest.py. Without
/usr/bin/chromium the browser tests skip on a developer machine (with the reason), but
fail under CI (env CI set), where .ci/run installs it.
"""

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FAILURES = SCREENSHOTS.parent / "failures"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    """Keeps each phase's report on the test item, so a fixture's teardown can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(request, browser, live_server):
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        _tell_where_pages_were(request.node.name, contexts)
    for context in contexts:
        context.close()


def _tell_where_pages_were(test_name: str, contexts: list) -> None:
    """A browser test that fails in CI leaves only its traceback: print where each page was and
    what it showed (captured output is printed with the failure), and keep a screenshot."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in test_name)
    for n, page in enumerate(page for context in contexts for page in context.pages):
        try:
            text = page.locator("body").inner_text(timeout=2_000)
            page.screenshot(path=str(FAILURES / f"{safe}-{n}.png"), full_page=True, timeout=5_000)
        except Exception as error:  # noqa: BLE001 - a dead page must not hide the real failure
            text = f"(could not read the page: {error})"
        print(f"--- page {n} at {page.url}\n{text[:1500]}")


@pytest.fixture
def shoot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The live server shares this process's cache: sign-in rate limits, stamps and presence
    left by earlier tests must not reach the next one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
