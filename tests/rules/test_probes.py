"""Safety probes: generated from the vocabulary, evaluated as the engine evaluates."""

from __future__ import annotations

import pytest

from rules import RulesEngine, compile_ruleset
from rules.defaults import load_default_knowledge_base
from rules.probe_matrix import ProbeMatrix, Verdicts
from rules.probes import Answer, generate_probes, risk_answers
from rules.safety import compare_probes, rules_noticed_by_probes
from rules.schema import Refer, Rule
from rules.vocabulary import FieldSpec
from service.triage.intake import VOCABULARY
from tests.rules.generators import random_rules
from tests.rules.reference import fired_rules

KB = load_default_knowledge_base()


def refer(slug: str, conditions: dict, level: str = "emergency") -> Rule:
    return Rule.model_validate({
        "slug": slug, "name": slug, "conditions": conditions, "reason": "Because.",
        "action": {"type": "refer", "level": level, "message": "Go."}})


def test_every_flag_choice_and_threshold_the_rules_read_is_an_answer():
    answers = set(risk_answers(VOCABULARY, KB.rules))
    for flag in ("saddle_numbness", "bladder_bowel_change", "sexual_dysfunction", "fever",
                 "cancer_history", "major_trauma", "minor_trauma", "long_term_steroids"):
        assert Answer(flag, True) in answers
    assert {Answer("leg_pain", "both_legs"), Answer("leg_weakness", "worsening"),
            Answer("start_back_risk", "high")} <= answers
    # age < 5, age < 16, age >= 50 and age > 70: each value where the comparison just holds
    assert {a.value for a in answers if a.field == "age"} == {4, 15, 50, 71}
    # No referral rule reads these: they carry no risk, and would only add probes.
    assert not any(a.field in ("sex", "hamstring_tightness") for a in answers)


def test_a_field_added_to_the_intake_is_probed_once_a_rule_reads_it():
    # Revision 2 asks about chest pain already: the new field must be one nobody reads yet.
    assert "calf_swelling" not in VOCABULARY
    vocabulary = {**VOCABULARY, "calf_swelling": FieldSpec("calf_swelling", "boolean")}
    assert Answer("calf_swelling", True) not in risk_answers(vocabulary, KB.rules)
    rule = refer("calf", {"all": [{"field": "calf_swelling", "op": "==", "value": True}]},
                 "emergency_ambulance")
    probes = generate_probes(vocabulary, (KB.rules + [rule],))
    assert any(p.answers == (Answer("calf_swelling", True),) for p in probes)
    switched_off = [rule.model_copy(update={"enabled": False})]
    comparison = compare_probes(KB.rules + [rule], KB.rules + switched_off, vocabulary)
    alone = [c for c in comparison.downgrades
             if c.probe.answers == (Answer("calf_swelling", True),)]
    assert alone and alone[0].live == ("emergency_ambulance", False)
    assert alone[0].draft == ("self_care", True)


def test_probes_are_flag_free_baselines_singles_and_pairs():
    probes = generate_probes(VOCABULARY, (KB.rules,))
    assert {len(p.answers) for p in probes} == {0, 1, 2}
    baselines = [p for p in probes if not p.answers]
    assert len(baselines) == 8
    for probe in baselines:
        assert fired_rules([r for r in KB.rules if isinstance(r.action, Refer)],
                           probe.facts) == []


@pytest.mark.parametrize("rules, step", [(KB.rules, 1), (random_rules(200, seed=7), 17)],
                         ids=["default, every probe", "200 generated, every 17th probe"])
def test_the_bit_set_evaluation_agrees_with_the_engine_and_the_reference(rules, step):
    # Generated rules add advice; make them refer, so the matrix evaluates them.
    rules = [r if isinstance(r.action, Refer) else r.model_copy(update={"action": Refer(
        level="consultation", message="See a GP.")}) for r in rules]
    probes = generate_probes(VOCABULARY, (rules,))
    verdicts = Verdicts.of(ProbeMatrix.of(probes), rules)
    engine = RulesEngine("probe_test")
    engine.load(compile_ruleset(rules, 1))
    try:
        for i in range(0, len(probes), step):
            probe = probes[i]
            expected = fired_rules(rules, probe.facts)
            assert sorted(verdicts.fired(i)) == sorted(expected), probe
            assert sorted(engine.evaluate(probe.facts)[1]) == sorted(expected), probe
    finally:
        engine.close()


def test_lowering_or_narrowing_a_rule_is_a_downgrade_widening_is_not():
    saddle = next(r for r in KB.rules if r.slug == "ces_saddle_numbness")

    def with_saddle(**changes):
        return [r.model_copy(update=changes) if r is saddle else r for r in KB.rules]

    lowered = with_saddle(action=saddle.action.model_copy(update={"level": "consultation_24"}))
    narrowed = with_saddle(conditions=saddle.conditions.model_validate(
        {"all": [*saddle.conditions.model_dump()["all"],
                 {"field": "age", "op": ">=", "value": 50}]}))
    for draft in (lowered, narrowed):
        downgrades = compare_probes(KB.rules, draft, VOCABULARY).downgrades
        assert any(c.probe.answers == (Answer("saddle_numbness", True),) for c in downgrades)
        assert all(c.causes[0].slug == "ces_saddle_numbness" for c in downgrades)
    raised = [r.model_copy(update={"action": r.action.model_copy(update={"level": "emergency"})})
              if r.slug == "thoracic_pain" else r for r in KB.rules]
    comparison = compare_probes(KB.rules, raised, VOCABULARY)
    assert comparison.changes and not comparison.downgrades


def test_every_default_referral_rule_is_noticed_by_some_probe():
    referrals = {r.slug for r in KB.rules if isinstance(r.action, Refer)}
    assert rules_noticed_by_probes(KB.rules, VOCABULARY) == referrals


def test_a_rule_needing_three_answers_is_noticed_by_no_probe():
    three = refer("three", {"all": [{"field": "fever", "op": "==", "value": True},
                                    {"field": "night_pain", "op": "==", "value": True},
                                    {"field": "major_trauma", "op": "==", "value": True}]},
                  "emergency_ambulance")
    assert "three" not in rules_noticed_by_probes(KB.rules + [three], VOCABULARY)
