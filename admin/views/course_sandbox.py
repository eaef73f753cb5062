"""Try a course: one intake and its weekly check-ins, against the draft and the live rules."""

from __future__ import annotations

import json

from flask import request
from flask_admin import BaseView, expose
from sqlalchemy import select
from wtforms import fields, validators

from admin.course_sandbox import try_course
from admin.forms import AdminForm
from admin.intake_form import EXAMPLE_INTAKE, IntakeField
from admin.sandbox import DraftInvalid, draft_engine
from admin.security import RoleRequired
from rules import EngineError
from service.extensions import db
from service.store.models import Vignette
from service.triage.outcome import RoutineError
from service.triage.ruleset import active_ruleset

EXAMPLE_CHECKINS = [{"pain_now": 5, "walking_minutes": 10},
                    {"pain_now": 4, "walking_minutes": 15},
                    {"pain_now": 4, "walking_minutes": 15, "saddle_numbness": True}]


def _checkin_list(form, field) -> None:
    try:
        value = json.loads(field.data or "")
    except json.JSONDecodeError as error:
        raise validators.ValidationError(f"not valid JSON: {error.msg}") from None
    if not isinstance(value, list) or not value or not all(isinstance(c, dict) for c in value):
        raise validators.ValidationError("a list of check-ins, each an object of answers")
    if len(value) > 52:
        raise validators.ValidationError("at most 52 check-ins")


class CourseForm(AdminForm):
    answers = IntakeField("The first intake")
    checkins = fields.TextAreaField(
        "Weekly check-ins (JSON list, one object a week)",
        description="Each lists only what differs from a quiet week: pain_now and "
                    "walking_minutes, and e.g. exercise_days, skipped_for_pain, "
                    "spreading_exercise or any safety answer; the rest is answered 'no'.",
        validators=[_checkin_list], render_kw={"rows": 8})


class CourseTryItView(RoleRequired, BaseView):
    """A course of check-ins through the draft, week by week, beside the live rules."""

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = CourseForm()
        vignettes = db.session.scalars(select(Vignette).where(Vignette.checkins.is_not(None))
                                       .order_by(Vignette.slug)).all()
        if request.method == "GET":
            chosen = next((v for v in vignettes if v.slug == request.args.get("vignette")),
                          None)
            form.answers.data = dict(chosen.intake if chosen else EXAMPLE_INTAKE)
            form.checkins.data = json.dumps(chosen.checkins if chosen else EXAMPLE_CHECKINS,
                                            indent=1)
        trial, problems = None, []
        if form.validate_on_submit():
            try:
                with draft_engine() as draft:
                    trial = try_course(draft, active_ruleset().current(), form.answers.data,
                                       json.loads(form.checkins.data))
            except DraftInvalid as error:
                problems = error.problems
            except (EngineError, RoutineError) as error:
                problems = [f"the draft could not assess this course: {error}"]
        return self.render("panel/try_course.html", form=form, trial=trial,
                           problems=problems, vignettes=vignettes)
