"""The questionnaire in steps: one section a page, then a page to check the answers.

The steps are made from `questionnaire()`, so a question added to a section of the
intake model appears in its step without any change here. Answers are kept in the
patient's own session cookie between steps (signed, not stored on the server) as the
form sends them: strings keyed by form name. Nothing here is clinical: the same
`validate_intake` as the API judges the answers, and this module only decides which of
its complaints belong to the page the patient is on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from service.patient.web_form import YES, intake_from_form, patient_errors
from service.triage.parsing import IntakeError, validate_intake
from service.triage.questionnaire import questionnaire

CHECK = "check"
MAX_ANSWER_LENGTH = 40  # the last step: every answer, to check before sending

# A sentence under a step's heading, for the steps that need one.
INTROS = {
    "your_pain": "Tell us about this episode of back pain or sciatica.",
    "safety": "Some back pain needs a doctor quickly. These questions look for the warning "
              "signs. Most people answer No to all of them, but please read each one "
              "carefully and answer it. Your answers are confidential.",
    "movement": "This lets us start your walking plan where you are now.",
}


@dataclass(frozen=True)
class Step:
    """One page of questions: a section of the questionnaire."""

    id: str
    title: str
    questions: tuple[tuple[str, dict], ...]  # (form name, question), groups flattened
    intro: str = ""
    group_help: str = ""  # for a section asked as one group (STarT Back)


def steps() -> list[Step]:
    """The question pages, in order (the check page is not one of them)."""
    described = questionnaire()
    made = []
    for section in described["sections"]:
        questions: list[tuple[str, dict]] = []
        group_help = ""
        for q in described["questions"]:
            if q["section"] != section["id"]:
                continue
            if q["type"] == "group":
                group_help = q["help"]
                questions += [(f"{q['id']}.{item['id']}", item) for item in q["questions"]]
            else:
                questions.append((q["id"], q))
        if questions:
            made.append(Step(section["id"], section["title"], tuple(questions),
                             INTROS.get(section["id"], ""), group_help))
    return made


def step_named(step_id: str) -> Step | None:
    return next((s for s in steps() if s.id == step_id), None)


def neighbours(step_id: str) -> tuple[str | None, str]:
    """(the step before, or None; the step after, or CHECK)."""
    ids = [s.id for s in steps()]
    i = ids.index(step_id)
    return (ids[i - 1] if i else None), (ids[i + 1] if i + 1 < len(ids) else CHECK)


def applies(question: dict, answers: Mapping[str, str]) -> bool:
    """Whether a question is asked, given the answers so far (follow-ups only if so)."""
    condition = question.get("asked_if")
    if not condition:
        return True
    wanted = condition["answer"]
    wanted = YES if wanted is True else "no" if wanted is False else str(wanted)
    return answers.get(condition["question"]) == wanted


def known_names() -> set[str]:
    return {name for step in steps() for name, _q in step.questions}


def without_inapplicable(answers: Mapping[str, str]) -> dict[str, str]:
    """The answers, less those to follow-ups that no longer apply (never kept, never sent)."""
    questions = {name: q for step in steps() for name, q in step.questions}
    return {name: value for name, value in answers.items()
            if name in questions and applies(questions[name], answers)}


def merge(saved: Mapping[str, str], step: Step, posted: MultiDict) -> dict[str, str]:
    """The saved answers with this step's replaced by what was posted (blank = removed)."""
    answers = {k: v for k, v in saved.items() if k not in dict(step.questions)}
    for name, _question in step.questions:
        # Cut to a length no real answer reaches, so the cookie keeping them stays small;
        # a cut answer is still refused by the validator, as the whole one would be.
        values = [v.strip()[:MAX_ANSWER_LENGTH] for v in posted.getlist(name) if v.strip()]
        if len(values) == 1:
            answers[name] = values[0]
        elif len(values) > 1:
            answers[name] = "\x00".join(values)  # two answers to one question: refused below
    return without_inapplicable(answers)


def as_form(answers: Mapping[str, str]) -> MultiDict:
    """The answers as the form fields of one post, for the validator."""
    form = MultiDict()
    for name, value in answers.items():
        for part in value.split("\x00"):
            form.add(name, part)
    return form


def all_errors(answers: Mapping[str, str]) -> dict[str, str]:
    """Every complaint the validator has about these answers, reworded, by form name."""
    try:
        validate_intake(intake_from_form(as_form(answers)))
    except IntakeError as error:
        return patient_errors(error.fields)
    return {}


def errors_on(step: Step, answers: Mapping[str, str]) -> dict[str, str]:
    """The complaints about the questions on this step (later steps are not judged yet)."""
    names = {name for name, _q in step.questions}
    groups = {name.partition(".")[0] for name in names if "." in name}
    return {name: message for name, message in all_errors(answers).items()
            if name in names or name in groups}


def step_of(name: str) -> str | None:
    """The step that asks `name` (a group's name counts as its step's); None if none."""
    for step in steps():
        for question_name, _q in step.questions:
            if name in (question_name, question_name.partition(".")[0]):
                return step.id
    return None


def page_for(errors: Mapping[str, str]) -> tuple[Step, dict[str, str]]:
    """The first step with a problem, and the problems to show there (with any that
    belong to no step, such as an unexpected field)."""
    placed = [name for name in errors if step_of(name)]
    step = step_named(step_of(placed[0])) if placed else steps()[0]
    return step, {name: message for name, message in errors.items()
                  if step_of(name) in (None, step.id)}


def follow_ups_waiting(step: Step, answers: Mapping[str, str], posted: MultiDict) -> list[str]:
    """Follow-ups that apply now but were not on the page the patient sent (without
    JavaScript they appear only after the answer that calls for them is sent)."""
    return [name for name, q in step.questions
            if q.get("asked_if") and applies(q, answers) and name not in posted]
