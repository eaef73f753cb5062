"""In Chromium, with the version table unreachable: saddle numbness still means A&E now.

Issue 12's "done when": the patient fills in the form as usual while the service cannot
read which ruleset version is published. Once with a version already loaded (its full
rules answer), once in a process that has loaded none (the built-in floor answers).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from service.extensions import db
from service.store.models import RulesetVersion
from tests.browser.test_patient_pages import answer_as_patient, answers_for, shown_level, submit

pytestmark = pytest.mark.browser
TABLE = RulesetVersion.__tablename__


@pytest.fixture
def version_table_gone(live_server):
    """The live server's version table renamed away; put back afterwards (shared server)."""
    def rename(old: str, new: str) -> None:
        with live_server.app.app_context(), db.engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    rename(TABLE, f"{TABLE}_away")
    yield
    rename(f"{TABLE}_away", TABLE)


@pytest.mark.parametrize("loaded", [True, False], ids=["version-loaded", "nothing-loaded"])
def test_saddle_numbness_gets_a_and_e_with_the_version_table_unreachable(
        live_server, page, artifacts, loaded, request):
    page.goto(live_server.url)
    ruleset = live_server.app.extensions["sciatica_ruleset"]
    if loaded:
        with live_server.app.app_context():
            assert ruleset.current() is not None  # the published version, compiled
    else:
        ruleset.close()
    request.getfixturevalue("version_table_gone")
    answer_as_patient(page, answers_for("piriformis") | {"saddle_numbness": "yes"})
    response = submit(page)

    assert response.status == 200
    assert shown_level(page) == "emergency"
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Go to an emergency department now"
    page.locator(".reasons-box summary").click()  # the reasons are folded under the action
    assert "numbness or tingling around your genitals" in page.locator(".reasons").inner_text()
    assert page.locator(".exercise").count() == 0
    message = page.locator(".referral-message").inner_text()
    if loaded:  # the published rules' own words
        assert "could not complete" not in message
    else:
        assert message.startswith("Go to an emergency department (A&E) now.")
        assert "could not complete your assessment" in message
    page.screenshot(path=artifacts / f"fail-safe-{'loaded' if loaded else 'floor'}.png",
                    full_page=True)
