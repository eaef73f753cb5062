"""Rules in the words a clinician reads: conditions, actions, levels and the vocabulary."""

from __future__ import annotations

from datetime import datetime

from flask_admin.model import typefmt

from rules.levels import TRIAGE_LEVELS
from service.followup.facts import COURSE_SECTION, COURSE_SECTION_TITLE, CheckinFacts
from service.triage.gate_wording import LEVEL_SHORT
from service.triage.intake import SECTIONS, VOCABULARY, Intake
from service.triage.outcome import LEVEL_GUIDANCE
from service.triage.questionnaire import CHOICE_LABELS

OPERATOR_WORDS = {"==": "is", "!=": "is not", "<": "is less than", "<=": "is at most",
                  ">": "is more than", ">=": "is at least", "in": "is one of"}

LEVEL_WORDS = {level: LEVEL_GUIDANCE[level][0] if level in LEVEL_GUIDANCE else "Self care"
               for level in TRIAGE_LEVELS}


def yes_no(view, value: bool, name: str) -> str:
    return "yes" if value else "no"


def moment(view, value: datetime, name: str) -> str:
    """A stored time as a person reads it: 24 Nov 2026 03:39 UTC."""
    return value.strftime("%d %b %Y %H:%M UTC")


# flask-admin's column formatters by type, with times readable in lists and details.
LIST_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: moment}
DETAIL_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: moment, bool: yes_no}


def level_words(level: str) -> str:
    """What the patient is told, in a few words: 'A&E now', 'GP today', 'Home care'."""
    return LEVEL_SHORT.get(level, level)


def level_label(level: str) -> str:
    """E.g. 'A&E now: Go to an emergency department now'."""
    return f"{level_words(level)}: {LEVEL_WORDS.get(level, level)}"


RULE_GROUPS = ("Red flag", "Other referral", "Routine")


def rule_group(conditions: dict, action: dict) -> str:
    """Which group a clinician looks for a rule in: red flags, other referrals, routine.

    A red flag refers on a safety question, or refers at "GP today" or more urgently, or
    holds back the routine; any other referral (STarT Back risk, age) is an other
    referral; everything else builds the routine.
    """
    if action.get("type") != "refer":
        return "Routine"
    level = action.get("level", "consultation")
    urgent = level in TRIAGE_LEVELS and TRIAGE_LEVELS.index(level) <= TRIAGE_LEVELS.index(
        "consultation_24")
    if urgent or action.get("withhold_routine") or any(
            _section(name) == "safety" for name in _fields(conditions)):
        return "Red flag"
    return "Other referral"


def _fields(tree) -> set[str]:
    if not isinstance(tree, dict):
        return set()
    if "field" in tree:
        return {tree["field"]}
    return set().union(*(_fields(c) for c in tree.get("all") or tree.get("any") or []))


def short_name(field: str) -> str:
    return field.replace("_", " ")


def _value_words(field: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value_words(field, v) for v in value)
    return short_name(str(value)) if isinstance(value, str) else str(value)


def describe_condition(tree: dict, top: bool = True) -> str:
    """A condition tree as one readable line, e.g. 'age is at least 50 AND fever is yes'."""
    if not isinstance(tree, dict):
        return str(tree)
    if "field" in tree:
        op = OPERATOR_WORDS.get(tree.get("op"), tree.get("op"))
        return f"{short_name(tree['field'])} {op} {_value_words(tree['field'], tree.get('value'))}"
    kind = "all" if "all" in tree else "any"
    parts = [describe_condition(child, top=False) for child in tree.get(kind) or []]
    if not parts:
        return "always" if kind == "all" else "never"
    joined = (" AND " if kind == "all" else " OR ").join(parts)
    return joined if top or len(parts) == 1 else f"({joined})"


def describe_action(action: dict, exercise_names: dict | None = None,
                    advice_titles: dict | None = None) -> str:
    """An action in words, e.g. 'Refer: emergency' or 'Include exercise: Walking'."""
    kind = action.get("type")
    if kind == "refer":
        hold = ", no routine" if action.get("withhold_routine") else ""
        return f"Refer: {level_label(action.get('level', '?'))}{hold}"
    if kind == "include_exercise":
        slug = action.get("exercise", "?")
        dose = action.get("dose") or {}
        words = [f"{k.replace('_', ' ')} {v}" for k, v in dose.items() if v is not None]
        extra = f" ({', '.join(words)})" if words else ""
        return f"Include exercise: {(exercise_names or {}).get(slug, slug)}{extra}"
    if kind == "add_advice":
        slug = action.get("advice", "?")
        return f"Add advice: {(advice_titles or {}).get(slug, slug)}"
    return str(action)


def _section(name: str) -> str | None:
    info = (Intake.model_fields.get(name) or Intake.model_computed_fields.get(name)
            or CheckinFacts.model_fields.get(name))
    extra = getattr(info, "json_schema_extra", None) or {}
    return extra.get("section", "impact" if name in Intake.model_computed_fields else None)


def vocabulary_document() -> dict:
    """The fields, operators and values a rule may use, for the rule editor.

    Built from the intake model's vocabulary every time, never a hand-copied list.
    """
    fields = []
    for spec in VOCABULARY.values():
        labels = CHOICE_LABELS.get(spec.name, {})
        fields.append({
            "name": spec.name,
            "label": spec.label or short_name(spec.name),
            "section": _section(spec.name),
            "kind": spec.kind,
            "operators": list(spec.operators),
            "choices": [{"value": c, "label": labels.get(c, short_name(c))}
                        for c in spec.choices],
            "minimum": spec.minimum,
            "maximum": spec.maximum,
        })
    sections = SECTIONS | {COURSE_SECTION: COURSE_SECTION_TITLE}
    return {"fields": fields, "operators": OPERATOR_WORDS, "sections": sections}
