"""Try it (one intake against the draft) and What-if (replay stored intakes)."""

from __future__ import annotations

from flask import request
from flask_admin import BaseView, expose
from sqlalchemy import select
from wtforms import fields, validators

from admin.course_sandbox import replay_checkins
from admin.forms import AdminForm
from admin.intake_form import EXAMPLE_INTAKE, IntakeField
from admin.sandbox import DraftInvalid, draft_engine, outcome_differences, replay
from admin.security import RoleRequired
from rules import EngineError
from service.extensions import db
from service.store.models import TriageRecord, Vignette
from service.triage.intake import Intake
from service.triage.outcome import RoutineError
from service.triage.ruleset import active_ruleset

REPLAY_DEFAULT, REPLAY_MAX = 500, 5000


class TryItForm(AdminForm):
    answers = IntakeField("Answers")


class WhatIfForm(AdminForm):
    limit = fields.IntegerField(
        "How many of the latest stored intakes to replay", default=REPLAY_DEFAULT,
        validators=[validators.InputRequired(), validators.NumberRange(1, REPLAY_MAX)])


def _published_outcome(intake: Intake):
    """What patients get today for `intake`, or None if nothing is published."""
    loaded = active_ruleset().current()
    if loaded is None:
        return None
    try:
        return loaded.assess(intake, reference="TRY-IT")
    except EngineError:  # swapped for a newer version meanwhile: not worth a retry here
        return None


class TryItView(RoleRequired, BaseView):
    """Fill in answers and see what the draft would tell this patient. Changes nothing."""

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = TryItForm()
        vignettes = db.session.scalars(select(Vignette).order_by(Vignette.slug)).all()
        if request.method == "GET":
            chosen = next((v for v in vignettes if v.slug == request.args.get("vignette")),
                          None)
            form.answers.data = dict(chosen.intake if chosen else EXAMPLE_INTAKE)
        draft = published = None
        problems: list[str] = []
        if form.validate_on_submit():
            intake = Intake.model_validate(form.answers.data)
            try:
                with draft_engine() as loaded:
                    draft = loaded.assess(intake, reference="TRY-IT")
            except DraftInvalid as error:
                problems = error.problems
            except (EngineError, RoutineError) as error:
                problems = [f"the draft could not assess these answers: {error}"]
            published = _published_outcome(intake)
        differences = outcome_differences(published, draft) if draft and published else None
        return self.render("panel/try_it.html", form=form, draft=draft, published=published,
                           problems=problems, vignettes=vignettes, differences=differences)


class WhatIfView(RoleRequired, BaseView):
    """Replay the draft over stored intakes: whose level would change?"""

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = WhatIfForm()
        report, checkins, problems = None, None, []
        if form.validate_on_submit():
            records = db.session.scalars(
                select(TriageRecord).order_by(TriageRecord.created_at.desc(),
                                              TriageRecord.id.desc())
                .limit(form.limit.data)).all()
            try:
                with draft_engine() as loaded:
                    report = replay(loaded, records)
                    checkins = replay_checkins(loaded, form.limit.data)
            except DraftInvalid as error:
                problems = error.problems
            except (EngineError, RoutineError) as error:
                problems = [f"the draft could not assess a stored intake: {error}"]
        return self.render("panel/what_if.html", form=form, report=report, problems=problems,
                           checkins=checkins)
