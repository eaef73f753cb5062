"""Over HTTPS, as deployed: Chromium against gunicorn serving a certificate the test makes.

A patient must get a result, and a clinician must sign in and save a form. Both failed
when the patient pages sent no Referer and Flask-WTF insisted on one over HTTPS.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from service.patient.web_form import form_answers
from tests.browser.test_patient_pages import answer_as_patient, submit
from tests.conftest import PUBLIC_VIGNETTES
from tests.gunicorn_server import ROOT, GunicornServer

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "tls.publisher@example.org", "a long password for https"
CAUDA_EQUINA = next(v["intake"] for v in PUBLIC_VIGNETTES if v["id"] == "ces-saddle-bladder")


def make_certificate(folder: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with openssl for this test alone."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate (apt-get install openssl)")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("https")
    server = GunicornServer(f"sqlite:///{folder / 'tls.db'}", workers=2, threads=4,
                            tls=make_certificate(folder))
    with server:
        subprocess.run([str(Path(sys.executable).parent / "sciatica-triage"), "create-user",
                        EMAIL, "--role", "publisher"], input=PASSWORD + "\n", text=True,
                       env=server.env, cwd=ROOT, check=True, capture_output=True)
        yield server


@pytest.fixture
def tls_page(browser):
    context = browser.new_context(ignore_https_errors=True, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_patient_gets_a_result_over_https(https_server, tls_page):
    page = tls_page
    page.goto(https_server.url + "/")
    # Every step page over HTTPS, each a form post with its token, then the check page.
    answer_as_patient(page, form_answers(CAUDA_EQUINA))
    response = submit(page)
    assert response.status == 200, page.content()[:2000]
    assert "/result/" in page.url and page.url.startswith("https://")
    assert page.locator("main").get_attribute("data-triage-level") == "emergency"
    assert "timed out" not in page.content()


def test_a_clinician_signs_in_and_saves_a_form_over_https(https_server, tls_page):
    page = tls_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(https_server.url + "/admin/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Patients are getting version")).to_be_visible()

    page.goto(https_server.url + "/admin/exercise/")
    page.locator("tr", has_text="hamstring_stretch").get_by_title("Edit Record").click()
    page.get_by_label("Hold (seconds)").fill("40")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Record was successfully saved.")).to_be_visible()
    expect(page.locator("tr", has_text="hamstring_stretch")).to_contain_text("hold 40 s")
