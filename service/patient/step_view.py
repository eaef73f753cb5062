"""What the pages of the stepped questionnaire show, worked out for the templates."""

from __future__ import annotations

from flask import render_template, url_for

from service.patient import form_steps
from service.patient.form_steps import CHECK, Step
from service.patient.web_form import (
    YES_NO,
    field_id,
    first_control_id,
    hint,
    scale,
    scale_ends,
)


def progress(current: str) -> list[dict]:
    """Every step with its number, title and state ("done", "current" or "to do")."""
    ids = [s.id for s in form_steps.steps()] + [CHECK]
    titles = [s.title for s in form_steps.steps()] + ["Check your answers"]
    here = ids.index(current)
    return [{"id": i, "number": n + 1, "title": t,
             "state": "done" if n < here else "current" if n == here else "to do"}
            for n, (i, t) in enumerate(zip(ids, titles, strict=True))]


def step_page(step: Step, answers: dict[str, str], errors: dict[str, str], notice: str,
              notice_title: str, then: str) -> str:
    """The HTML of one page of questions."""
    asked = dict(step.questions)
    listed = [name for name in asked if name in errors]
    listed += [name for name in errors if name not in asked]
    before, _after = form_steps.neighbours(step.id)
    return render_template(
        "patient/step.html",
        step=step,
        first=before is None,
        progress=progress(step.id),
        answers=answers,
        errors=errors,
        error_list=[(first_control_id(name, asked.get(name)),
                     asked[name]["label"] if name in asked else name, errors[name])
                    for name in listed],
        shown={name: form_steps.applies(q, answers) for name, q in step.questions},
        notice=notice,
        notice_title=notice_title,
        then=then if then == CHECK else "",
        field_id=field_id,
        hint=hint,
        yes_no=YES_NO,
        scale=scale,
        scale_ends=scale_ends,
    )


def answer_label(question: dict, value: str | None) -> str:
    """An answer as the patient chose it, in the words they saw."""
    if value is None or value == "":
        return "Not answered"
    if question["type"] == "boolean":
        return {"yes": "Yes", "no": "No"}.get(value, value)
    if question["type"] == "choice":
        return next((c["label"] for c in question["choices"] if c["value"] == value), value)
    if scale(question):
        return f"{value} out of {question['maximum']}"
    return value


def check_page(answers: dict[str, str], notice: str, notice_title: str) -> str:
    """The HTML of the page that lists every answer before they are sent."""
    sections = []
    for step in form_steps.steps():
        rows = [(q["label"], answer_label(q, answers.get(name)), f"{field_id(name)}")
                for name, q in step.questions if form_steps.applies(q, answers)]
        sections.append({"step": step, "rows": rows,
                         "change": url_for("pages.step", step_id=step.id, then=CHECK)})
    return render_template("patient/check.html", sections=sections, progress=progress(CHECK),
                           notice=notice, notice_title=notice_title)
