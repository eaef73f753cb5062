"""How the rules' doses combine on one exercise (service.triage.outcome.Assembler)."""

import pytest

from rules.defaults import load_default_knowledge_base
from service.triage.intake import Intake
from service.triage.outcome import Assembler


def include(slug: str, **dose) -> dict:
    return {"slug": slug, "name": slug, "conditions": {"all": []}, "reason": f"{slug}.",
            "action": {"type": "include_exercise", "exercise": "hamstring_stretch",
                       "dose": dose or None}}


@pytest.fixture(scope="module")
def assembler() -> Assembler:
    kb = load_default_knowledge_base()
    extra = [include("longer_hold", hold_seconds=45), include("fewer_reps", reps=2),
             include("plain")]
    kb = kb.model_validate(kb.model_dump() | {"rules": kb.model_dump()["rules"] + extra})
    return Assembler(kb, 1)


@pytest.fixture
def intake(vignettes) -> Intake:
    return Intake.model_validate(next(v for v in vignettes if v["id"] == "hamstrings")["intake"])


def hamstring(assembler: Assembler, intake: Intake, fired: list[str]):
    routine = assembler.assemble("ST-TEST-0000", ["routine_walking", *fired], intake).routine
    return next(e for e in routine.exercises if e.slug == "hamstring_stretch")


def test_the_library_dose_when_no_rule_sets_one(assembler, intake):
    stretch = hamstring(assembler, intake, ["plain"])
    assert (stretch.hold_seconds, stretch.reps) == (30, 3)


@pytest.mark.parametrize("fired", [["longer_hold"], ["plain", "longer_hold"],
                                   ["longer_hold", "plain"]])
def test_a_dose_wins_over_the_library_whatever_else_includes_the_exercise(
        assembler, intake, fired):
    stretch = hamstring(assembler, intake, fired)
    assert (stretch.hold_seconds, stretch.reps) == (45, 3)


def test_a_second_dose_overrides_only_the_fields_it_sets(assembler, intake):
    stretch = hamstring(assembler, intake, ["longer_hold", "fewer_reps"])
    assert (stretch.hold_seconds, stretch.reps) == (45, 2)


def test_dosing_never_changes_the_library_copy_other_outcomes_share(assembler, intake):
    hamstring(assembler, intake, ["longer_hold", "fewer_reps"])
    library = assembler.exercises["hamstring_stretch"]
    assert (library.hold_seconds, library.reps) == (30, 3)
