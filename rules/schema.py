"""Rules, exercises and advice as data: the shapes a clinician edits and the engine runs.

A rule's `conditions` is a tree: a group `{"all": [...]}` or `{"any": [...]}` whose
members are groups or leaves `{"field": ..., "op": ..., "value": ...}`. The root
`{"all": []}` means "always". Each rule has exactly one action.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.levels import ReferralLevel
from rules.vocabulary import Vocabulary

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Operator = Literal["==", "!=", "<", "<=", ">", ">=", "in"]
Scalar = bool | int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Leaf(_Strict):
    """One test of one intake field."""

    field: str
    op: Operator
    value: Scalar | list[Scalar]


class AllOf(_Strict):
    all: list[Condition]


class AnyOf(_Strict):
    any: list[Condition]


Condition = AllOf | AnyOf | Leaf
AllOf.model_rebuild()
AnyOf.model_rebuild()


class Dose(_Strict):
    """A dose override; a field left out keeps the library's value."""

    hold_seconds: int | None = Field(default=None, ge=1, le=600)
    reps: int | None = Field(default=None, ge=1, le=100)
    sets: int | None = Field(default=None, ge=1, le=20)
    times_per_day: int | None = Field(default=None, ge=1, le=12)


class Refer(_Strict):
    """Send the person to a doctor at `level`, telling them `message`."""

    type: Literal["refer"] = "refer"
    level: ReferralLevel
    message: str = Field(min_length=1, max_length=2000)
    # A suspected fracture, say, should wait for a doctor before any exercise.
    withhold_routine: bool = False


class IncludeExercise(_Strict):
    type: Literal["include_exercise"] = "include_exercise"
    exercise: Slug
    dose: Dose | None = None


class AddAdvice(_Strict):
    type: Literal["add_advice"] = "add_advice"
    advice: Slug


Action = Annotated[Refer | IncludeExercise | AddAdvice, Field(discriminator="type")]


class Rule(_Strict):
    """A clinical rule: when `conditions` hold, take `action`, and tell the patient why."""

    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    conditions: AllOf | AnyOf
    action: Action
    reason: str = Field(min_length=1, max_length=2000)  # for the patient, plain words
    rationale: str = ""  # for clinicians: why the rule is safe and right
    source: str = ""  # the guideline or paper it rests on


ExerciseCategory = Literal["stretch", "core", "aerobic", "mobility"]


class Exercise(_Strict):
    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    category: ExerciseCategory
    purpose: str = ""
    instructions: list[str] = Field(min_length=1)
    hold_seconds: int | None = Field(default=None, ge=1, le=600)
    reps: int | None = Field(default=None, ge=1, le=100)
    sets: int | None = Field(default=None, ge=1, le=20)
    times_per_day: int | None = Field(default=None, ge=1, le=12)
    cautions: list[str] = []
    illustration: str = ""  # the name of a drawing the patient pages know
    display_order: int = 0
    # Follow-up progression (service/followup): from `unlock_week` of a course the
    # exercise joins every weekly plan even if no rule chose it; each week the person
    # kept to the plan, each dose steps up by its `_step`, never past its `_max`.
    unlock_week: int | None = Field(default=None, ge=1, le=52)
    hold_seconds_step: int | None = Field(default=None, ge=1, le=60)
    hold_seconds_max: int | None = Field(default=None, ge=1, le=600)
    reps_step: int | None = Field(default=None, ge=1, le=20)
    reps_max: int | None = Field(default=None, ge=1, le=100)
    sets_step: int | None = Field(default=None, ge=1, le=5)
    sets_max: int | None = Field(default=None, ge=1, le=20)

    @model_validator(mode="after")
    def _steps_have_a_ceiling(self) -> Exercise:
        for dose in PROGRESSED_DOSES:
            base, step, top = (getattr(self, dose), getattr(self, f"{dose}_step"),
                               getattr(self, f"{dose}_max"))
            if step is not None and (base is None or top is None):
                # A dose that rises without a ceiling, or from nothing, is never safe.
                raise ValueError(f"{dose}_step needs both {dose} and {dose}_max")
            if top is not None and base is not None and top < base:
                raise ValueError(f"{dose}_max ({top}) is below {dose} ({base})")
        return self


PROGRESSED_DOSES = ("hold_seconds", "reps", "sets")


class Advice(_Strict):
    slug: Slug
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    display_order: int = 0


class KnowledgeBase(_Strict):
    """Everything one ruleset version needs: rules and the library they point into."""

    rules: list[Rule]
    exercises: list[Exercise]
    advice: list[Advice]


def iter_leaves(condition: Condition):
    """Yield every leaf of a condition tree, depth first."""
    if isinstance(condition, Leaf):
        yield condition
        return
    for child in condition.all if isinstance(condition, AllOf) else condition.any:
        yield from iter_leaves(child)


def _group_problems(condition: Condition, root: bool) -> list[str]:
    if isinstance(condition, Leaf):
        return []
    children = condition.all if isinstance(condition, AllOf) else condition.any
    problems = []
    if not children and not (root and isinstance(condition, AllOf)):
        kind = "all" if isinstance(condition, AllOf) else "any"
        problems.append(f"an '{kind}' group needs at least one condition")
    for child in children:
        problems += _group_problems(child, root=False)
    return problems


def leaf_problems(leaf: Leaf, vocabulary: Vocabulary) -> list[str]:
    """What is wrong with one leaf, each message naming the field."""
    spec = vocabulary.get(leaf.field)
    if spec is None:
        return [f"unknown field '{leaf.field}'"]
    if leaf.op not in spec.operators:
        allowed = ", ".join(spec.operators)
        return [f"field '{leaf.field}' cannot use '{leaf.op}' (allowed: {allowed})"]
    if leaf.op == "in":
        if not isinstance(leaf.value, list) or not leaf.value:
            return [f"field '{leaf.field}': 'in' needs a non-empty list of values"]
        values = leaf.value
    elif isinstance(leaf.value, list):
        return [f"field '{leaf.field}': '{leaf.op}' needs one value, not a list"]
    else:
        values = [leaf.value]
    return [
        f"field '{leaf.field}': value {v!r} {problem}"
        for v in values
        if (problem := spec.value_problem(v))
    ]


def rule_problems(
    rule: Rule,
    vocabulary: Vocabulary,
    exercise_slugs: set[str] | None = None,
    advice_slugs: set[str] | None = None,
) -> list[str]:
    """Every reason `rule` cannot be saved; empty when it is sound."""
    problems = _group_problems(rule.conditions, root=True)
    for leaf in iter_leaves(rule.conditions):
        problems += leaf_problems(leaf, vocabulary)
    action = rule.action
    if (isinstance(action, IncludeExercise) and exercise_slugs is not None
            and action.exercise not in exercise_slugs):
        problems.append(f"unknown exercise '{action.exercise}'")
    if (isinstance(action, AddAdvice) and advice_slugs is not None
            and action.advice not in advice_slugs):
        problems.append(f"unknown advice '{action.advice}'")
    return problems


def knowledge_base_problems(kb: KnowledgeBase, vocabulary: Vocabulary) -> list[str]:
    """Every problem in a whole knowledge base, each prefixed with where it is."""
    problems = []
    for kind, items in (("rule", kb.rules), ("exercise", kb.exercises), ("advice", kb.advice)):
        seen = set()
        for item in items:
            if item.slug in seen:
                problems.append(f"{kind} '{item.slug}': slug used twice")
            seen.add(item.slug)
    exercises = {e.slug for e in kb.exercises}
    advice = {a.slug for a in kb.advice}
    for rule in kb.rules:
        problems += [
            f"rule '{rule.slug}': {p}" for p in rule_problems(rule, vocabulary, exercises, advice)
        ]
    return problems
