"""Browser fixtures: the app served for real over HTTP, and headless Chromium to drive it.

General on purpose, for any browser test (the patient pages, the admin panel):
`live_server` has `.url` and `.app`; `browser` is shared by the session; `page` is a
fresh context (no cookies) per test, sized like a phone unless a test resizes it.

The live server's database lives for the whole session: a test that publishes a
change should publish the defaults back, so the patient-page tests see the default
knowledge base whatever order tests run in.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from service import close_app, create_app
from service.store.database import initialise_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}


# Chromium may drop a connection while werkzeug's development server is still sending a
# static file (a cancelled preload, a page left mid-load). werkzeug then skips closing
# the file, and its garbage collection raises a ResourceWarning that pytest turns into an
# error in whichever test runs next. Only that case is let through: an unclosed file
# under a static/ folder; every other unraisable exception still fails the run.
_DROPPED_STATIC_FILE = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io\.FileIO name='[^']*/static/"
    ":pytest.PytestUnraisableExceptionWarning")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(_DROPPED_STATIC_FILE)


@dataclass
class LiveServer:
    url: str  # e.g. http://127.0.0.1:38215, no trailing slash
    app: Flask

    def path(self, path: str = "/") -> str:
        """The absolute URL of `path` on this server."""
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    """The app on 127.0.0.1 (a free port) in a thread, on its own seeded SQLite file."""
    folder = tmp_path_factory.mktemp("live-server")
    # Always SQLite: TEST_DATABASE_URL's PostgreSQL is wiped between tests by `app`.
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
        "SECRET_KEY": "browser-tests-only",
        "RULESET_POLL_SECONDS": 0.0,  # a publish made by a test is live at once
    })
    with app.app_context():
        initialise_database()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    close_app(app)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium (Playwright's own download does not work here)."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, request):
    """A fresh browser context (no cookies, phone-sized); a screenshot is kept on failure."""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, page in enumerate(context.pages):
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}-{i}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(context):
    """A new page in a fresh context."""
    return context.new_page()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ (gitignored), for screenshots and PDFs a person should look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.report_call = report  # lets `context` know whether the test failed
    return report
