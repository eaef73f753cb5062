"""The result page's layout from outcomes the default rules may not produce yet."""

from __future__ import annotations

from service.triage.intake import Intake
from service.triage.outcome import AdviceOut, ExerciseOut, Outcome, Routine
from service.triage.walking import WalkingWeek


def routine_outcome(advice: list[AdviceOut]) -> Outcome:
    walking = ExerciseOut(slug="walking", name="Walking", category="aerobic",
                          instructions=["Walk."])
    stretch = ExerciseOut(slug="piriformis_stretch", name="Piriformis stretch",
                          category="stretch", instructions=["Lie down.", "Stretch the other side."],
                          hold_seconds=30, reps=3)
    return Outcome(id="ST-TEST-0002", triage_level="self_care", referral=None, reasons=[],
                   ruleset_version=1, routine=Routine(
                       exercises=[walking, stretch], advice=advice,
                       walking_plan=[WalkingWeek(week=1, minutes_per_day=10),
                                     WalkingWeek(week=2, minutes_per_day=20)]))


def render(app, intake, outcome) -> str:
    from service.patient.result_pages import render_result

    with app.test_request_context("/"):
        return render_result(Intake.model_validate(intake), outcome)


STOP = AdviceOut(slug="stop_signs", title="When to stop", text="Stop.\n- a\n- b")
PAIN = AdviceOut(slug="pain_relief", title="Pain relief",
                 text="Ask a pharmacist which painkiller is safe for you.")
HEAT = AdviceOut(slug="heat_for_comfort", title="Warmth", text="Heat helps.")


def test_pain_relief_has_its_own_place_between_the_walking_plan_and_the_stop_signs(
        app, intake):
    html = render(app, intake, routine_outcome([STOP, HEAT, PAIN]))
    order = [html.index(m) for m in ('id="walking-title"', 'data-advice="pain_relief"',
                                     'data-advice="stop_signs"', 'id="seek-help-title"',
                                     'data-advice="heat_for_comfort"')]
    assert order == sorted(order)
    assert "Ask a pharmacist which painkiller is safe for you." in html
    assert html.count('data-advice="pain_relief"') == 1


def test_without_pain_relief_nothing_is_left_empty(app, intake):
    html = render(app, intake, routine_outcome([STOP]))
    assert "pain_relief" not in html
    assert 'href="tel:999"' in html and 'href="tel:111"' in html  # when to get help


def test_both_sides_are_cued_only_where_the_steps_say_so(app, intake):
    html = render(app, intake, routine_outcome([STOP]))
    card = html[html.index('data-exercise="piriformis_stretch"'):]
    card = card[:card.index("</article>")]
    assert 'data-sides="both"' in card
    assert html.count('data-sides="both"') == 1  # not on the walking
