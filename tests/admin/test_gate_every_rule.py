"""Every referral rule of the default knowledge base, switched off alone, is refused by
the gate, which names it. One rule at a time: a combined test hid the saddle numbness
rule behind the bladder rule once."""

from __future__ import annotations

import pytest

from rules.defaults import load_default_knowledge_base
from rules.schema import Refer
from service import close_app, create_app
from service.extensions import db
from service.store.database import initialise_database
from service.store.models import AuditEntry, Rule
from service.triage.publishing import publish
from tests.conftest import database_uri, empty_database

REFERRALS = [r for r in load_default_knowledge_base().rules if isinstance(r.action, Refer)]


@pytest.fixture(scope="module")
def gate_app(tmp_path_factory):
    """One app for every rule: each test puts its rule back as it found it."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path_factory.mktemp("every-rule")),
        "SECRET_KEY": "test-only-secret", "RULESET_POLL_SECONDS": 0.0,
    })
    with app.app_context():
        empty_database()
        initialise_database()
    yield app
    close_app(app)


def set_enabled(slug: str, enabled: bool) -> None:
    db.session.scalar(db.select(Rule).where(Rule.slug == slug)).enabled = enabled
    db.session.commit()


@pytest.mark.parametrize("rule", REFERRALS, ids=[r.slug for r in REFERRALS])
def test_each_referral_rule_switched_off_alone_is_refused_and_named(gate_app, rule):
    with gate_app.app_context():
        set_enabled(rule.slug, False)
        try:
            result = publish("publisher@example.org", note=f"switch off {rule.slug}")
        finally:
            set_enabled(rule.slug, True)
        assert result.version is None
        named = [g.because for g in result.report.downgrade_groups]
        assert any(f"rule “{rule.name}” switched off" in because for because in named), named
        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())
                                   .limit(1)).one()
        assert entry.action == "publish_refused"
        assert entry.after["note"] == f"switch off {rule.slug}"


def test_the_default_draft_itself_publishes_with_no_sign_off(gate_app):
    with gate_app.app_context():
        report = publish("publisher@example.org", note="nothing changed").report
        assert report.passed and report.signoff_items == []
