"""The tabs above each panel page: no javascript: links, which the strict CSP refuses."""

from __future__ import annotations

import re

import pytest

from service.extensions import db
from service.store.models import AuditEntry, Exercise, Rule


def tabs(html: str) -> str:
    """The page's tab bar (the first `nav-tabs` list)."""
    found = re.search(r'<ul class="nav nav-tabs">(.*?)</ul>', html, re.S)
    assert found, "no tab bar"
    return found.group(1)


@pytest.mark.parametrize("path, current", [
    ("/admin/exercise/", "List"),
    ("/admin/exercise/new/", "Create"),
    ("/admin/exercise/edit/?id={exercise}", "Edit"),
    ("/admin/exercise/details/?id={exercise}", "Details"),
    ("/admin/rule/edit/?id={rule}", "Edit"),
    ("/admin/auditentry/details/?id={audit}", "Details"),
])
def test_the_current_tab_is_marked_and_no_tab_is_a_javascript_link(
        app, publisher, row_id, path, current):
    with app.app_context():
        ids = {"exercise": row_id(Exercise, "walking"),
               "rule": db.session.scalar(db.select(Rule.id).limit(1)),
               "audit": db.session.scalar(db.select(AuditEntry.id).limit(1))}
    response = publisher.get(path.format(**ids))
    assert response.status_code == 200
    bar = tabs(response.get_data(as_text=True))
    assert "javascript:" not in bar
    assert re.search(rf'class="nav-link active" aria-current="page">{current}\b', bar), bar
