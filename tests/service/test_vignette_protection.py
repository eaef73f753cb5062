"""Every referring rule of the default knowledge base is guarded by a public vignette.

For each rule that refers, a scratch copy of the knowledge base with only that rule
disabled must fail at least one public vignette in the real engine: otherwise a
clinician could switch the rule off and the publish gate would not notice.
"""

from __future__ import annotations

import pytest

from rules.defaults import load_default_knowledge_base
from rules.schema import Refer, iter_leaves
from rules.vocabulary import vocabulary_from_model
from service.triage.intake import Intake
from service.triage.vignettes import check_vignettes
from tests.conftest import PUBLIC_VIGNETTES

KB = load_default_knowledge_base()
# Vignettes are first intakes: a rule reading facts a first intake never has (a weekly
# check-in's, say) cannot be guarded by one, and needs guards of its own kind.
INTAKE_FIELDS = vocabulary_from_model(Intake).keys()
REFERRING = [rule.slug for rule in KB.rules if isinstance(rule.action, Refer)
             and all(leaf.field in INTAKE_FIELDS for leaf in iter_leaves(rule.conditions))]


def test_the_selection_keeps_every_red_flag_referral():
    """Guard for the selection above: it must not quietly leave the red flags out."""
    assert len(REFERRING) >= 34  # the intake referrals of knowledge base revision 2
    assert {"ces_saddle_numbness", "chest_pain", "child_under_5"} <= set(REFERRING)


def without(slug: str):
    """The default knowledge base with one rule disabled."""
    rules = [r.model_copy(update={"enabled": False}) if r.slug == slug else r
             for r in KB.rules]
    return KB.model_copy(update={"rules": rules})


def failing(kb) -> list[str]:
    return [result.slug for result in check_vignettes(kb, PUBLIC_VIGNETTES)
            if not result.passed]


def test_the_default_knowledge_base_passes_every_public_vignette():
    assert failing(KB) == []


@pytest.mark.parametrize("slug", REFERRING)
def test_disabling_a_referring_rule_fails_a_vignette(slug):
    assert failing(without(slug)), f"no public vignette notices '{slug}' switched off"


def test_a_disabled_rule_really_stops_firing():
    """Guard for the test above: disabling leaves the rule out of the engine."""
    saddle = next(v for v in PUBLIC_VIGNETTES if v["id"] == "saddle-numbness-alone")
    [result] = check_vignettes(without("ces_saddle_numbness"), [saddle])
    assert "ces_saddle_numbness" not in result.fired
    assert result.level == "self_care" and not result.passed


def test_the_pain_relief_advice_is_guarded_too():
    """Pain relief is in every routine only through its rule: a vignette notices it gone."""
    assert "routine-pain-relief" in failing(without("routine_pain_relief"))
