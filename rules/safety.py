"""Compare what two rule sets tell the safety probes, and which rule caused each change.

A downgrade is a probe told something less urgent by the draft than by the live
version, or newly given a routine. Each change is traced to the rule changes behind it,
so the gate can show them grouped by cause.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rules.levels import urgency
from rules.probe_matrix import ProbeMatrix, Verdicts, bits, differences, downgrades
from rules.probes import DEFAULT_BASELINES, Baseline, Probe, generate_probes
from rules.schema import Refer, Rule
from rules.vocabulary import Vocabulary


@dataclass(frozen=True)
class RuleChange:
    """How one referral rule differs from live to draft, as short change kinds."""

    slug: str
    name: str
    kinds: tuple[str, ...]  # e.g. ("switched_off",), ("level", "conditions")
    before: str | None = None  # the live level, for "level" changes
    after: str | None = None  # the draft level


@dataclass(frozen=True)
class ProbeChange:
    """One probe whose outcome differs between live and draft."""

    probe: Probe
    live: tuple[str, bool]  # (level, gets a routine)
    draft: tuple[str, bool]
    causes: tuple[RuleChange, ...]

    @property
    def downgrade(self) -> bool:
        (live_level, live_routine), (draft_level, draft_routine) = self.live, self.draft
        return urgency(draft_level) > urgency(live_level) or (draft_routine
                                                              and not live_routine)


@dataclass
class ProbeComparison:
    """The probes tried, every one whose outcome changed, and the draft's referral rules
    some probe would notice switched off alone."""

    count: int
    changes: list[ProbeChange]
    noticed: set[str]

    @property
    def downgrades(self) -> list[ProbeChange]:
        return [c for c in self.changes if c.downgrade]


def rule_change(before: Rule | None, after: Rule | None) -> RuleChange:
    """What changed about a rule between the live version and the draft."""
    rule = after or before
    if after is None:
        return RuleChange(rule.slug, rule.name, ("removed",))
    if before is None:
        return RuleChange(rule.slug, rule.name, ("added",))
    kinds: list[str] = []
    if before.enabled != after.enabled:
        kinds.append("switched_off" if before.enabled else "switched_on")
    was, now = before.action, after.action
    level_before = was.level if isinstance(was, Refer) else None
    level_after = now.level if isinstance(now, Refer) else None
    if level_before and not level_after:
        kinds.append("no_longer_refers")
    elif level_after and not level_before:
        kinds.append("now_refers")
    elif level_before != level_after:
        kinds.append("level")
    elif was.withhold_routine != now.withhold_routine:
        kinds.append("withholds_routine" if now.withhold_routine else "releases_routine")
    if before.conditions != after.conditions:
        kinds.append("conditions")
    return RuleChange(rule.slug, rule.name, tuple(kinds) or ("changed",), level_before,
                      level_after)


def _causes(i: int, live: Verdicts, draft: Verdicts, changed: dict[str, RuleChange],
            live_verdict, draft_verdict) -> tuple[RuleChange, ...]:
    """The changed rules behind probe `i`'s change: those that decided the urgent side."""
    down = (urgency(draft_verdict[0]) > urgency(live_verdict[0])
            or (draft_verdict[1] and not live_verdict[1]))
    strong, weak = (live, draft) if down else (draft, live)
    weak_level = (draft_verdict if down else live_verdict)[0]
    deciding = [s for s in strong.fired(i) if s in changed and (
        urgency(strong.rules[s].action.level) < urgency(weak_level)
        or strong.rules[s].action.withhold_routine)]
    if not deciding:
        fired = set(live.fired(i)) | set(draft.fired(i))
        deciding = [s for s in changed if s in fired]
    return tuple(changed[s] for s in deciding)


def compare_probes(live_rules: list[Rule] | None, draft_rules: list[Rule],
                   vocabulary: Vocabulary,
                   baselines: Iterable[Baseline] = DEFAULT_BASELINES) -> ProbeComparison:
    """Every probe whose level or routine differs between live and draft, with causes.

    With nothing live, there is nothing to compare: only `noticed` is worked out.
    """
    sides = (draft_rules,) if live_rules is None else (live_rules, draft_rules)
    probes = generate_probes(vocabulary, sides, baselines)
    matrix = ProbeMatrix.of(probes)
    draft = Verdicts.of(matrix, draft_rules)
    comparison = ProbeComparison(len(probes), [], noticed(draft))
    if live_rules is None:
        return comparison
    live = Verdicts.of(matrix, live_rules)
    changed_mask = differences(live.at_least(), draft.at_least())
    if not changed_mask:
        return comparison
    before = {r.slug: r for r in live_rules if isinstance(r.action, Refer)}
    after = {r.slug: r for r in draft_rules if isinstance(r.action, Refer)}
    changed = {slug: rule_change(before.get(slug), after.get(slug))
               for slug in dict.fromkeys([*before, *after])
               if before.get(slug) != after.get(slug)}
    for i in bits(changed_mask):
        live_verdict, draft_verdict = live.verdict(i), draft.verdict(i)
        causes = _causes(i, live, draft, changed, live_verdict, draft_verdict)
        comparison.changes.append(ProbeChange(probes[i], live_verdict, draft_verdict, causes))
    return comparison


def noticed(verdicts: Verdicts) -> set[str]:
    """Enabled referral rules whose leaving out alone would downgrade some probe.

    Rules fire independently of each other, so leaving one out of the rule set is the
    same as taking it out of every probe's fired set: no re-evaluation is needed.
    """
    full = verdicts.at_least()
    return {slug for slug in verdicts.fires
            if downgrades(full, verdicts.at_least(leave_out=slug))}


def rules_noticed_by_probes(rules: list[Rule], vocabulary: Vocabulary,
                            baselines: Iterable[Baseline] = DEFAULT_BASELINES) -> set[str]:
    """Enabled referral rules of `rules` some probe would notice switched off alone."""
    return compare_probes(None, rules, vocabulary, baselines).noticed
