"""Which referral rules nothing would miss, and that the quick way of finding out agrees
with switching each rule off in a scratch copy and running everything again."""

from __future__ import annotations

import pytest

from rules.defaults import load_default_knowledge_base
from rules.safety import compare_probes
from rules.schema import KnowledgeBase, Refer, Rule
from service.triage.intake import VOCABULARY
from service.triage.protection import rules_noticed_by_vignettes, unprotected_rules
from service.triage.vignettes import check_vignettes
from tests.conftest import PUBLIC_VIGNETTES

KB = load_default_knowledge_base()
REFERRALS = [r for r in KB.rules if isinstance(r.action, Refer)]
THREE_SIGNS = Rule.model_validate({
    "slug": "fever_night_trauma", "name": "Fever, night pain and an accident",
    "conditions": {"all": [{"field": "fever", "op": "==", "value": True},
                           {"field": "night_pain", "op": "==", "value": True},
                           {"field": "major_trauma", "op": "==", "value": True}]},
    "action": {"type": "refer", "level": "emergency_ambulance", "message": "Call 999."},
    "reason": "Because."})


def switched_off(kb: KnowledgeBase, slug: str) -> KnowledgeBase:
    return kb.model_copy(update={"rules": [
        r.model_copy(update={"enabled": False}) if r.slug == slug else r for r in kb.rules]})


def test_the_default_knowledge_base_has_no_unprotected_referral_rule():
    assert [r.slug for r in unprotected_rules(KB, PUBLIC_VIGNETTES)] == []


def test_a_rule_needing_three_answers_is_unprotected_until_a_vignette_needs_it():
    kb = KB.model_copy(update={"rules": [*KB.rules, THREE_SIGNS]})
    assert [r.slug for r in unprotected_rules(kb, PUBLIC_VIGNETTES)] == ["fever_night_trauma"]
    intake = {**PUBLIC_VIGNETTES[0]["intake"], "saddle_numbness": False,
              "bladder_bowel_change": False, "fever": True, "night_pain": True,
              "major_trauma": True, "leg_pain": "none", "leg_weakness": "none"}
    vignette = {"id": "three-signs", "intake": intake,
                "expect": {"levels": ["emergency_ambulance"]}}
    assert unprotected_rules(kb, [*PUBLIC_VIGNETTES, vignette]) == []


def test_noticing_without_running_again_agrees_with_a_scratch_copy_run_again():
    results = check_vignettes(KB, PUBLIC_VIGNETTES)
    quick = rules_noticed_by_vignettes(KB, PUBLIC_VIGNETTES, results)
    passing = {r.slug for r in results if r.passed}
    for rule in REFERRALS:
        scratch = switched_off(KB, rule.slug)
        failing = {r.slug for r in check_vignettes(scratch, PUBLIC_VIGNETTES) if not r.passed}
        assert (rule.slug in quick) == bool(failing & passing), rule.slug
        downgraded = compare_probes(KB.rules, scratch.rules, VOCABULARY).downgrades
        assert (rule.slug in compare_probes(None, KB.rules, VOCABULARY).noticed
                ) == bool(downgraded), rule.slug


@pytest.mark.parametrize("probes", [True, False])
def test_switched_off_rules_are_not_reported(probes):
    kb = switched_off(KB, "ces_saddle_numbness")
    assert "ces_saddle_numbness" not in {r.slug for r in unprotected_rules(
        kb, PUBLIC_VIGNETTES, probes=probes)}
