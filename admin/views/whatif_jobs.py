"""What-if over all of history: start a background replay, watch it, read what it found."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import abort, flash, jsonify, redirect, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select
from wtforms import fields, validators

from admin.forms import AdminForm
from admin.security import RoleRequired, actor
from rules.schema import knowledge_base_problems
from service.extensions import db
from service.triage.intake import VOCABULARY
from service.triage.knowledge import draft_knowledge_base
from service.whatif.jobs import (
    JobAlreadyRunning,
    create_job,
    knowledge_base_hash,
    progress,
    request_cancel,
    running_job_for,
    start_in_background,
)
from service.whatif.models import WhatIfJob

RECENT_JOBS = 20


class StartForm(AdminForm):
    scope = fields.RadioField(
        "Which stored intakes", default="all",
        choices={"all": "All of history", "range": "Only the days below"},
        validators=[validators.InputRequired("choose which intakes to replay")])
    since = fields.DateField("From (first day, optional)", validators=[validators.Optional()])
    until = fields.DateField("To (last day, optional)", validators=[validators.Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise validators.ValidationError("the last day comes before the first")
        if self.scope.data == "range" and not (field.data or self.since.data):
            raise validators.ValidationError("give a first day, a last day or both")


class CancelForm(AdminForm):
    """Only the CSRF token: which job is in the address."""


def _day_start(day) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


class WhatIfJobView(RoleRequired, BaseView):
    """Replay the draft over every stored intake in the background, with progress."""

    endpoint_roles = {"start_view": "editor", "cancel_view": "editor"}

    def _draft_hash(self) -> str:
        return knowledge_base_hash(draft_knowledge_base())

    @expose("/")
    def index(self, form: StartForm | None = None, status: int = 200):
        current = self._draft_hash()
        jobs = db.session.scalars(select(WhatIfJob).order_by(WhatIfJob.id.desc())
                                  .limit(RECENT_JOBS)).all()
        rows = [(job, progress(job, current)) for job in jobs]
        return self.render("panel/what_if_jobs.html", form=form or StartForm(), rows=rows,
                           running=running_job_for(current)), status

    @expose("/start/", methods=("POST",))
    def start_view(self):
        form = StartForm()
        if not form.validate_on_submit():
            return self.index(form=form, status=400)
        problems = knowledge_base_problems(draft_knowledge_base(), VOCABULARY)
        if problems:
            flash("The draft cannot run: " + "; ".join(problems), "error")
            return self.index(form=form, status=409)
        # The last day is included: the range ends at the start of the day after it.
        ranged = form.scope.data == "range"
        until = (_day_start(form.until.data + timedelta(days=1))
                 if ranged and form.until.data else None)
        since = _day_start(form.since.data) if ranged else None
        try:
            job = create_job(actor(), since, until)
        except JobAlreadyRunning as error:
            flash("A what-if for this draft is already running: follow it here.", "info")
            return redirect(url_for(".job_view", job_id=error.job.id))
        start_in_background(job.id)
        return redirect(url_for(".job_view", job_id=job.id))

    def _job(self, job_id: int) -> WhatIfJob:
        job = db.session.get(WhatIfJob, job_id)
        if job is None:
            abort(404)
        return job

    @expose("/<int:job_id>/")
    def job_view(self, job_id: int):
        job = self._job(job_id)
        state = progress(job, self._draft_hash())
        return self.render("panel/what_if_job.html", job=job, state=state,
                           cancel_form=CancelForm())

    @expose("/<int:job_id>/progress.json")
    def progress_view(self, job_id: int):
        return jsonify(progress(self._job(job_id), self._draft_hash()))

    @expose("/<int:job_id>/cancel/", methods=("POST",))
    def cancel_view(self, job_id: int):
        if not CancelForm().validate_on_submit():
            abort(400)
        job = request_cancel(self._job(job_id).id, actor())
        flash("Asked the what-if to stop; it stops after the batch it is on."
              if job.status not in ("complete", "failed") else "That what-if has ended.",
              "info")
        return redirect(url_for(".job_view", job_id=job_id))
