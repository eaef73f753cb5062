"""Which referral rules nothing would miss: no vignette or probe notices them switched off.

A rule that nothing notices can later be switched off, narrowed or lowered without the
gate seeing it. Call `unprotected_rules` from a test to keep a knowledge base covered.
"""

from __future__ import annotations

from pydantic import ValidationError

from rules.safety import rules_noticed_by_probes
from rules.schema import KnowledgeBase, Refer, Rule
from service.triage.intake import VOCABULARY, Intake
from service.triage.outcome import Assembler
from service.triage.vignettes import VignetteResult, check_vignettes, expectation_problems


def rules_noticed_by_vignettes(kb: KnowledgeBase, vignettes: list[dict],
                               results: list[VignetteResult] | None = None) -> set[str]:
    """Referral rules whose switching off alone would make some passing vignette fail.

    Rules fire independently, so the outcome without one rule is the outcome assembled
    from the other rules that fired: the engine need not run again per rule.
    `results` (from check_vignettes on the same vignettes) saves running them again.
    """
    results = results if results is not None else check_vignettes(kb, vignettes)
    assembler = Assembler(kb, 0)
    referrals = {r.slug for r in kb.rules if r.enabled and isinstance(r.action, Refer)}
    noticed: set[str] = set()
    for vignette, result in zip(vignettes, results, strict=True):
        if not result.passed:
            continue  # a failing vignette protects nothing: it already blocks the publish
        try:
            intake = Intake.model_validate(vignette["intake"])
        except ValidationError:
            continue
        for slug in referrals & set(result.fired) - noticed:
            others = [s for s in result.fired if s != slug]
            outcome = assembler.assemble("VIGNETTE", others, intake)
            if expectation_problems(vignette["expect"], outcome):
                noticed.add(slug)
    return noticed


def unprotected_rules(kb: KnowledgeBase, vignettes: list[dict], probes: bool = True,
                      results: list[VignetteResult] | None = None,
                      noticed_by_probes: set[str] | None = None) -> list[Rule]:
    """Enabled referral rules (any level) that no vignette, nor probe, would notice if
    switched off alone. `probes=False` asks about the vignettes alone; `results` and
    `noticed_by_probes`, when the caller has them, save working them out again."""
    noticed = rules_noticed_by_vignettes(kb, vignettes, results)
    if probes:
        noticed |= (noticed_by_probes if noticed_by_probes is not None
                    else rules_noticed_by_probes(kb.rules, VOCABULARY))
    return [r for r in kb.rules if r.enabled and isinstance(r.action, Refer)
            and r.slug not in noticed]
