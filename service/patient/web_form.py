"""The web form's answers as an intake: strings in, the intake's JSON types out.

The form is built from `questionnaire()`, and what it sends goes through the same
`validate_intake` as the JSON API, so both reject the same answers with the same words.
This module only undoes what HTML does to values (everything becomes a string, and an
unanswered question is simply absent); it decides nothing clinical.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from werkzeug.datastructures import MultiDict

from service.triage.questionnaire import questionnaire

# Fields the page adds that are not answers.
NOT_ANSWERS = frozenset({"csrf_token"})

YES, NO = "yes", "no"
YES_NO = ({"value": YES, "label": "Yes"}, {"value": NO, "label": "No"})


# Whole-number questions with few enough answers are a row of radio buttons, with words
# for what the two ends mean (the rest read as numbers).
SCALE_MAX_POINTS = 11
SCALE_ENDS: dict[str, tuple[str, str]] = {
    "pain_score": ("No pain", "Worst pain you can imagine"),
}


def scale(question: dict) -> list[int] | None:
    """The points of a question shown as a scale of radios, or None for a text box."""
    lo, hi = question.get("minimum"), question.get("maximum")
    if question["type"] != "integer" or lo is None or hi is None:
        return None
    return list(range(lo, hi + 1)) if hi - lo + 1 <= SCALE_MAX_POINTS else None


def scale_ends(name: str, question: dict) -> tuple[str, str]:
    """Words for the two ends of a scale question."""
    return SCALE_ENDS.get(name, (str(question["minimum"]), str(question["maximum"])))


def flat_questions() -> Iterator[tuple[str, dict]]:
    """(form name, question) for every answerable question, groups flattened, in order."""
    for question in questionnaire()["questions"]:
        if question["type"] == "group":
            for item in question["questions"]:
                yield f"{question['id']}.{item['id']}", item
        else:
            yield question["id"], question


def hint(question: dict) -> str:
    """A question's help text, unless it only says what "(optional)" already shows."""
    text = question.get("help", "")
    return "" if text.strip().rstrip(".").lower() == "optional" else text


def field_id(name: str) -> str:
    """The HTML id of a text question's input, or the stem of a radio group's ids."""
    return "q-" + name.replace(".", "-")


def first_control_id(name: str, question: dict | None) -> str:
    """The control an error links to: the input, or a radio group's first radio."""
    if question is None:
        return "error-summary"
    if question["type"] == "boolean":
        return f"{field_id(name)}-{YES}"
    if question["type"] == "choice":
        return f"{field_id(name)}-{question['choices'][0]['value']}"
    if scale(question):
        return f"{field_id(name)}-{question['minimum']}"
    return field_id(name)


def _typed(kind: str, raw: str):
    """One answer in its JSON type; anything that does not convert is left for the
    validator to reject, so "abc" for an age reads "must be a whole number"."""
    if kind == "boolean":
        return {YES: True, NO: False}.get(raw, raw)
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:  # also a string too long for int(): reported, not crashed
            return raw
    return raw


def intake_from_form(form: MultiDict) -> dict:
    """The intake a form post describes: empty answers omitted, groups nested."""
    kinds = dict((name, q["type"]) for name, q in flat_questions())
    data: dict = {}
    for name in form:
        if name in NOT_ANSWERS:
            continue
        values = [v.strip() for v in form.getlist(name)]
        answered = [v for v in values if v]
        if not answered:
            continue  # unanswered: required questions are then named as "required"
        # Two answers to one question is not a choice the page offers: let it be refused.
        value = answered if len(answered) > 1 else _typed(kinds.get(name, ""), answered[0])
        group, _, item = name.partition(".")
        if item and name in kinds:
            data.setdefault(group, {})[item] = value
        else:
            # Unknown names are passed on so the validator names them, as the API does.
            data[name] = value
    return data


def patient_errors(fields: Mapping[str, str]) -> dict[str, str]:
    """The validator's messages reworded for a patient, keyed by form name."""
    questions = dict(flat_questions())
    return {name: _reworded(questions.get(name), message) for name, message in fields.items()}


def _reworded(question: dict | None, message: str) -> str:
    if question is None:
        return "We did not expect this answer. Please reload the page and try again."
    kind = question["type"]
    span = f"from {question.get('minimum', 0)} to {question.get('maximum')}"
    if kind == "boolean":
        return "Please choose Yes or No."
    if kind == "choice":
        return "Please choose one of the answers."
    if message == "required":
        return "Please choose a number." if scale(question) else f"Please enter a number {span}."
    if message.startswith("must be a whole number"):
        # The API's own words, kept so both say the same thing about the same answer.
        return f"This must be a whole number {span}, written in digits."
    if message.startswith(("must be at least", "must be at most")):
        return f"This must be a number {span}."
    return message


def form_answers(intake: Mapping) -> dict[str, str]:
    """The form fields (name: value) that describe `intake`: the inverse of the above."""
    answers: dict[str, str] = {}

    def put(name: str, value) -> None:
        if isinstance(value, bool):
            answers[name] = YES if value else NO
        elif value is not None:
            answers[name] = str(value)

    for name, value in intake.items():
        if isinstance(value, Mapping):
            for item, item_value in value.items():
                put(f"{name}.{item}", item_value)
        else:
            put(name, value)
    return answers
