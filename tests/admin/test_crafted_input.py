"""Crafted addresses in the panel: a 4xx or a safe redirect, never a 500."""

from __future__ import annotations

import pytest

from tests.admin.conftest import PASSWORD, email_for


@pytest.mark.parametrize("target", ["/admin/\r\nSet-Cookie: x=1", "/admin/\r\nX: y",
                                    "/admin/\\evil.example", "/admin/\x00", "/admin/\n"])
def test_control_characters_in_next_are_ignored_when_signing_in(client, users, target):
    response = client.post("/admin/login/", query_string={"next": target},
                           data={"email": email_for("viewer"), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target", ["/admin/\r\nX: y", "/admin/\r"])
def test_control_characters_in_next_when_already_signed_in(viewer, target):
    response = viewer.get("/admin/login/", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("path", ["/admin/rule/", "/admin/auditentry/", "/admin/exercise/",
                                  "/admin/rulesetversion/", "/admin/vignette/",
                                  "/admin/advice/"])
@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "1000001", "x"])
def test_a_page_number_no_list_has_is_a_400(publisher, path, page):
    response = publisher.get(path, query_string={"page": page})
    assert response.status_code == 400


def test_a_real_page_number_still_works(publisher):
    assert publisher.get("/admin/auditentry/?page=0").status_code == 200
    assert publisher.get("/admin/rule/?page=3").status_code == 200


@pytest.mark.parametrize("path", ["/admin/rule/details/", "/admin/rule/edit/",
                                  "/admin/auditentry/details/", "/admin/user/edit/"])
@pytest.mark.parametrize("url", ["\r\n", "/admin/rule/\r\nSet-Cookie: a=b"])
def test_a_return_address_with_a_line_break_is_a_400(publisher, path, url):
    response = publisher.get(path, query_string={"url": url})
    assert response.status_code == 400
