"""The panel speaks as clinicians do: what the patient is told, not level codes; rules in
the groups a clinician looks for; row actions that say what they do."""

from __future__ import annotations

import re

import pytest

from admin.wording import rule_group
from rules.defaults import load_default_knowledge_base
from tests.admin.helpers import page_text, save_rule, words

CODES = re.compile(r"\b(emergency_ambulance|consultation_24|self_care)\b|`")


@pytest.mark.parametrize("path, method", [
    ("/admin/rule/", "GET"), ("/admin/publish/", "GET"), ("/admin/publish/check/", "POST"),
    ("/admin/publish/approve/", "GET"), ("/admin/rulesetversion/", "GET")])
def test_no_level_code_or_backtick_in_what_a_clinician_reads(app, publisher, editor,
                                                              users, path, method):
    save_rule(editor, app, "thoracic_pain", **{"action-level": "consultation_24"})
    response = publisher.open(path, method=method)
    if response.status_code == 403:  # the approve page: the safety officer's
        from tests.admin.conftest import signed_in

        response = signed_in(app, "safety_officer").open(path, method=method)
    assert response.status_code == 200
    visible = words(page_text(response))
    assert CODES.findall(visible) == []


def test_the_rules_list_says_what_the_patient_is_told(viewer):
    visible = words(page_text(viewer.get("/admin/rule/")))
    for told in ("A&E now", "GP today", "GP within 2 weeks"):
        assert f"Refer: {told}" in visible


def test_rules_are_grouped_red_flags_other_referrals_then_routine(viewer):
    kb = load_default_knowledge_base()
    # Revision 2 has more rules than one page of the list holds: the grouping runs on
    # across the pages, so read them all, in order.
    groups: list[str] = []
    for number in range(len(kb.rules)):
        page = page_text(viewer.get(f"/admin/rule/?page={number}"))
        on_page = re.findall(r'<span class="rule-group">([^<]+)</span>', page)
        if not on_page:
            break
        groups += on_page
    assert len(groups) == len(kb.rules)
    assert groups == sorted(groups, key=("Red flag", "Other referral", "Routine").index)
    by_slug = {r.slug: rule_group(r.conditions.model_dump(), r.action.model_dump())
               for r in kb.rules}
    assert by_slug["ces_saddle_numbness"] == by_slug["thoracic_pain"] == "Red flag"
    # Revision 2 holds the routine back for children, which makes that rule a red flag.
    assert by_slug["child_under_16"] == "Red flag"
    assert by_slug["start_back_high_risk"] == by_slug["course_pain_worse_twice"] \
        == "Other referral"
    assert by_slug["routine_walking"] == "Routine"


def test_row_actions_are_labelled_in_words(editor):
    visible = words(page_text(editor.get("/admin/rule/")))
    assert "Edit" in visible.split() and "View" in visible.split()
    assert "Delete" in visible.split()
