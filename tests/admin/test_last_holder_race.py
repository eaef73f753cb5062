"""Two publishers removing each other at the same moment: one wins, a publisher remains.

Each publisher has the other's account open in the panel (the edit form, or the delete
button on the accounts list), exactly as rendered, CSRF token included; both press
their button together, from two threads. Without the database serialising role changes,
both saw the other still a publisher and both changes were saved. Repeated, as one
round proves little about a race. Runs on SQLite (a real file) and on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest

from admin.models import User
from service.extensions import db
from tests.admin.conftest import FAST_HASH, PASSWORD
from tests.admin.helpers import page_text
from tests.admin.rendered_form import find_form, rendered_forms

ROUNDS = 6
FIRST, SECOND = "first.publisher@example.org", "second.publisher@example.org"


@pytest.fixture
def two_publishers(app):
    """A function making two active publishers (and no one else), each signed in through
    the rendered login form with CSRF checks on: (clients, account ids) by email."""
    app.config["WTF_CSRF_ENABLED"] = True

    rounds = iter(range(1, 250))

    def make() -> tuple[dict, dict]:
        with app.app_context():
            for email in (FIRST, SECOND):
                user = db.session.scalar(db.select(User).where(User.email == email))
                if user is None:  # new, or deleted in the last round
                    db.session.add(User(email=email, role="publisher",
                                        password_hash=FAST_HASH))
                else:
                    user.role, user.active = "publisher", True
            db.session.commit()
            ids = {email: db.session.scalar(db.select(User.id).where(User.email == email))
                   for email in (FIRST, SECOND)}
        # Signed in afresh each round (a role change may end the loser's sessions), each
        # from an address of its own so the sign-in limit is not what the test meets.
        clients = {}
        for n, email in enumerate((FIRST, SECOND)):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.{next(rounds)}.{n + 1}"
            login = find_form(client.get("/admin/login/").get_data(), "Sign in").filled(
                email=email, password=PASSWORD)
            assert client.post("/admin/login/", data=login).status_code == 302
            clients[email] = client
        return clients, ids
    return make


def edit_request(client, pk: int, **changes) -> tuple[str, dict]:
    """The edit form of account `pk` as rendered, with `changes` made by the person."""
    url = f"/admin/user/edit/?id={pk}"
    forms = [f for f in rendered_forms(client.get(url).get_data()) if "role" in f.fields]
    assert len(forms) == 1 and set(forms[0].fields) >= {"email", "role", "csrf_token"}
    return url, forms[0].filled(**changes)  # None: an unticked box, not sent


def delete_request(client, pk: int) -> tuple[str, dict]:
    """The delete button of account `pk` on the accounts list, as rendered."""
    page = client.get("/admin/user/").get_data(as_text=True)
    for form in rendered_forms(page):
        if form.action.endswith("/delete/") and form.fields.get("id") == str(pk):
            return form.action, form.filled()
    raise AssertionError(f"no delete button for account {pk}")


def at_once(requests: list) -> list:
    """Send each (client, url, form) from its own thread, released together; the pages
    the people end up on (a redirect followed, as a browser does)."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(i: int, client, url: str, form) -> None:
        barrier.wait(timeout=30)
        answers[i] = client.post(url, data=form, follow_redirects=True)

    threads = [threading.Thread(target=send, args=(i, *request))
               for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert all(answer is not None for answer in answers), "a request never finished"
    return answers


def holders(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(db.select(User.email).where(
            User.role == "publisher", User.active.is_(True))).all()


HOW = {
    "demote": lambda client, pk: edit_request(client, pk, role="editor"),
    "deactivate": lambda client, pk: edit_request(client, pk, active=None),
    "delete": delete_request,
}


@pytest.mark.parametrize("first_does, second_does", [
    ("demote", "demote"), ("deactivate", "demote"), ("delete", "deactivate")])
def test_two_publishers_removing_each_other_at_once_leave_one(
        app, two_publishers, first_does, second_does):
    for _ in range(ROUNDS):
        clients, ids = two_publishers()
        requests = [(clients[FIRST], *HOW[first_does](clients[FIRST], ids[SECOND])),
                    (clients[SECOND], *HOW[second_does](clients[SECOND], ids[FIRST]))]
        answers = at_once(requests)
        remaining = holders(app)
        assert len(remaining) == 1, f"publishers left: {remaining}"
        # The other was refused and told why, or had lost the right to manage accounts
        # (or the account itself) before their change began; never a server error.
        pages = [(a.status_code, page_text(a)) for a in answers]
        assert all(status in (200, 403) for status, _ in pages), pages
        refused = [(status, page) for status, page in pages
                   if status == 403 or "must remain" in page or "Sign in to edit" in page]
        assert len(refused) == 1, pages


def test_the_last_publisher_cannot_be_demoted_from_the_rendered_form(app, two_publishers):
    clients, ids = two_publishers()
    url, form = edit_request(clients[FIRST], ids[SECOND], role="editor")
    assert clients[FIRST].post(url, data=form).status_code == 302
    assert holders(app) == [FIRST]
    url, form = edit_request(clients[FIRST], ids[FIRST], role="editor")
    page = clients[FIRST].post(url, data=form).get_data(as_text=True)
    assert "at least one active publisher must remain" in page
    url, form = edit_request(clients[FIRST], ids[FIRST], active=None)
    page = clients[FIRST].post(url, data=form).get_data(as_text=True)
    assert "at least one active publisher must remain" in page
    assert holders(app) == [FIRST]


def add_safety_officers(app, count: int) -> list[int]:
    """`count` active safety officers, made directly: the role's own form comes from
    another branch; the guard must protect the last one already."""
    with app.app_context():
        officers = [User(email=f"officer{i}@example.org", role="safety_officer",
                         password_hash=FAST_HASH) for i in range(count)]
        db.session.add_all(officers)
        db.session.commit()
        return [officer.id for officer in officers]


def officers(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(User.id)).where(
            User.role == "safety_officer", User.active.is_(True)))


def test_two_publishers_demoting_the_two_safety_officers_at_once_leave_one(
        app, two_publishers):
    clients, _ = two_publishers()
    first, second = add_safety_officers(app, 2)
    for _ in range(ROUNDS):
        with app.app_context():
            for pk in (first, second):
                db.session.get(User, pk).role = "safety_officer"
            db.session.commit()
        answers = at_once([(clients[FIRST], *edit_request(clients[FIRST], first,
                                                           role="editor")),
                           (clients[SECOND], *edit_request(clients[SECOND], second,
                                                            role="editor"))])
        assert officers(app) == 1
        pages = [page_text(a) for a in answers]
        assert sum("at least one active safety officer must remain" in p for p in pages) == 1


def test_with_no_safety_officer_there_is_none_to_protect(app, two_publishers):
    clients, ids = two_publishers()
    url, form = edit_request(clients[FIRST], ids[SECOND], role="editor")
    assert clients[FIRST].post(url, data=form).status_code == 302
    assert officers(app) == 0 and holders(app) == [FIRST]


def test_the_last_safety_officer_cannot_be_demoted_deactivated_or_deleted(app, two_publishers):
    clients, _ = two_publishers()
    (officer,) = add_safety_officers(app, 1)
    for changes in ({"role": "editor"}, {"active": None}):
        url, form = edit_request(clients[FIRST], officer, **changes)
        page = page_text(clients[FIRST].post(url, data=form))
        assert "at least one active safety officer must remain" in page
    url, form = delete_request(clients[FIRST], officer)
    page = page_text(clients[FIRST].post(url, data=form, follow_redirects=True))
    assert "at least one active safety officer must remain" in page
    assert officers(app) == 1
