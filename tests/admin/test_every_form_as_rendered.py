"""Every panel form a clinician uses, submitted exactly as the page renders it.

Create, edit and delete of each kind of row, and the try-it and what-if pages: each
form is read from the rendered page and sent with every field it has (CSRF token
included), as a browser would. A field the page forgot to render, or one the view
wants but the page does not send, fails here.
"""

from __future__ import annotations

import pytest

from admin.models import User
from service.extensions import db
from service.store.models import Advice, AuditEntry, Exercise, Rule, Vignette
from tests.admin.conftest import add_users
from tests.admin.gate_flow import sign_in_via_page
from tests.admin.rendered_form import find_form, rendered_forms, submit

KINDS = [  # (view, model, slug-like field, an existing row's key)
    ("rule", Rule, "slug", "routine_heat"),
    ("exercise", Exercise, "slug", "hamstring_stretch"),
    ("advice", Advice, "slug", "stay_active"),
    ("vignette", Vignette, "slug", None),
    ("user", User, "email", "viewer@example.org"),
]


@pytest.fixture
def app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    add_users(app)
    return app


@pytest.fixture
def publisher(app):
    return sign_in_via_page(app, "publisher")


def comparable(row) -> dict:
    """A row as a clinician would compare it: a vignette's acceptable levels are a set,
    and its answers are compared as the intake they validate to (an answer the form
    adds as the default, such as a new question's "no", is the same answer)."""
    from service.triage.intake import Intake

    data = row.model_dump(exclude={"updated_at", "updated_by"})
    if isinstance(row, Vignette):
        data["expect"] = {**data["expect"], "levels": sorted(data["expect"]["levels"])}
        data["intake"] = Intake.model_validate(data["intake"]).model_dump()
    return data


def row_id(app, model, key_field: str, key: str | None) -> int:
    with app.app_context():
        query = db.select(model.id).order_by(model.id)
        if key is not None:
            query = query.where(getattr(model, key_field) == key)
        return db.session.scalars(query).first()


def edit_page_fields(client, view: str, pk: int) -> dict[str, str]:
    page = client.get(f"/admin/{view}/edit/?id={pk}")
    assert page.status_code == 200
    return find_form(page.get_data(), "Save").fields


@pytest.mark.parametrize("view, model, key_field, key", KINDS, ids=[k[0] for k in KINDS])
def test_edit_unchanged_saves_and_changes_nothing(app, publisher, view, model, key_field, key):
    pk = row_id(app, model, key_field, key)
    with app.app_context():
        before = comparable(db.session.get(model, pk))
    page = publisher.get(f"/admin/{view}/edit/?id={pk}")
    response = submit(publisher, page, "Save")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        after = comparable(db.session.get(model, pk))
    changed = {k: [(n, v, after[k].get(n)) for n, v in before[k].items() if after[k].get(n) != v]
               if isinstance(before[k], dict) else (before[k], after[k])
               for k in before if before[k] != after[k]}
    assert after == before, changed


@pytest.mark.parametrize("view, model, key_field, key", KINDS, ids=[k[0] for k in KINDS])
def test_create_from_the_rendered_form_then_delete_from_the_list(
        app, publisher, view, model, key_field, key):
    """Fill the new-row form as a person copying an existing row would, then delete it."""
    template = edit_page_fields(publisher, view, row_id(app, model, key_field, key))
    page = publisher.get(f"/admin/{view}/new/")
    form = find_form(page.get_data(), "Save")
    new_key = "copy@example.org" if key_field == "email" else "copy_of_a_row"
    offered = set(form.fields) | set(form.boxes)  # boxes: ticked or not, as on the page
    values = {name: template[name] for name in offered
              if name in template and name != "csrf_token"}
    values[key_field] = new_key
    for name in form.fields:  # a new account needs its own password
        if "password" in name:
            values[name] = "a long new password for the copy"
    response = submit(publisher, page, "Save", **values)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        created = db.session.scalar(db.select(model).where(
            getattr(model, key_field) == new_key))
        assert created is not None
        pk = created.id
        assert db.session.scalar(db.select(AuditEntry.id).where(
            AuditEntry.action == "create")) is not None
    listing = publisher.get(f"/admin/{view}/?search={new_key}")
    deletes = [f for f in rendered_forms(listing.get_data())
               if f.action.split("?")[0].endswith("/delete/") and f.fields.get("id") == str(pk)]
    assert len(deletes) == 1, "no delete button for the new row on its list"
    response = publisher.post(deletes[0].action, data=deletes[0].filled())
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(model, pk) is None


@pytest.mark.parametrize("url, button, shows", [
    ("/admin/tryit/", "Try it against the draft", "draft"),
    ("/admin/whatif/", "Run what-if", "Replayed"),
    ("/admin/trycourse/", "Try the course against the draft", "Week"),
])
def test_the_check_pages_work_as_rendered(app, publisher, url, button, shows):
    page = publisher.get(url)
    assert page.status_code == 200
    response = submit(publisher, page, button)
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    assert shows in response.get_data(as_text=True)
