"""The intake: one patient's answers, validated strictly per the public contract.

This model is the single source of truth for the questionnaire (`GET
/api/v1/questionnaire`, the web form), for validation, and for the facts rules may read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from rules.vocabulary import Vocabulary, vocabulary_from_model
from service.followup.facts import CheckinFacts

SECTIONS: dict[str, str] = {
    "about_you": "About you",
    "your_pain": "Your pain",
    "safety": "Important safety questions",
    "movement": "How you move",
    "impact": "How the pain affects you (optional)",
}

STRICT = ConfigDict(extra="forbid", strict=True)


def ask(label: str, help: str, section: str, **kwargs):
    """A question: a pydantic Field carrying its label, help text and section."""
    return Field(title=label, description=help, json_schema_extra={"section": section}, **kwargs)


def _whole_float_to_int(value):
    # JSON Schema counts 17.0 as an integer, so clients may send it; 17.5 and "17" stay
    # errors under the model's strict mode.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_float_to_int)]


def whole_number(minimum: int, maximum: int):
    """An int within bounds that JSON Schema can state (bounds before the validator)."""
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_whole_float_to_int)]

Bothersome = Literal["not_at_all", "slightly", "moderately", "very_much", "extremely"]


class StartBack(BaseModel):
    """The Keele STarT Back tool: the last two weeks. True means the person agrees."""

    model_config = STRICT

    # Paraphrased from the nine STarT Back items (Keele University); the validated
    # wording is licensed by Keele and can replace these labels without code changes.
    q1: bool = ask("In the last 2 weeks, has the pain spread down one or both legs?",
                   "", "impact")
    q2: bool = ask("In the last 2 weeks, have you also had pain in your shoulder or neck?",
                   "", "impact")
    q3: bool = ask("Has the pain kept you to walking only short distances?", "", "impact")
    q4: bool = ask("In the last 2 weeks, has the pain made you slower to get dressed?",
                   "", "impact")
    q5: bool = ask("Do you feel it is not really safe for you to be physically active with "
                   "your back?", "", "impact")
    q6: bool = ask("Have worrying thoughts been on your mind much of the time?", "", "impact")
    q7: bool = ask("Do you feel the pain is terrible and will never get better?", "", "impact")
    q8: bool = ask("Have you stopped enjoying things you used to enjoy?", "", "impact")
    q9: Bothersome = ask("Over the last 2 weeks, how much has the pain bothered you overall?",
                         "", "impact")

    @property
    def psychosocial(self) -> int:
        """Subscale q5-q9, 0-5."""
        return sum((self.q5, self.q6, self.q7, self.q8)) + (self.q9 in ("very_much", "extremely"))

    @property
    def total(self) -> int:
        """All nine items, 0-9."""
        return sum((self.q1, self.q2, self.q3, self.q4)) + self.psychosocial

    @property
    def risk(self) -> Literal["low", "medium", "high"]:
        """Keele's risk group: low (total <= 3), high (subscale >= 4), else medium."""
        if self.total <= 3:
            return "low"
        return "high" if self.psychosocial >= 4 else "medium"


class Intake(BaseModel):
    """One person's answers. Unknown fields are an error, never silently ignored."""

    model_config = STRICT

    # About you
    age: WholeNumber = ask("How old are you?", "Your age in years.", "about_you", ge=0, le=120)
    sex: Literal["female", "male", "other", "unspecified"] = ask(
        "Sex", "Optional.", "about_you", default="unspecified")

    # Your pain
    days_since_onset: WholeNumber = ask(
        "How many days ago did this episode or flare-up start?",
        "0 means it started today.", "your_pain", ge=0, le=36500)
    pain_score: WholeNumber = ask(
        "How bad has the pain been at its worst in the last 24 hours?",
        "0 is no pain, 10 is the worst pain you can imagine.", "your_pain", ge=0, le=10)
    leg_pain: Literal["none", "above_knee", "below_knee", "both_legs"] = ask(
        "Does the pain spread into your leg?",
        "Choose how far it goes. Pick 'both legs' if you have symptoms in both legs.",
        "your_pain")
    buttock_pain_sitting: bool = ask(
        "Do you have a deep pain in the buttock that is worse when you sit?", "",
        "your_pain", default=False)
    hamstring_tightness: bool = ask(
        "Does the back of your thigh feel tight, so you cannot reach far towards your toes?",
        "", "your_pain", default=False)

    # Important safety questions: red flags, asked directly
    saddle_numbness: bool = ask(
        "Do you have numbness or tingling around your genitals, back passage (anus), "
        "buttocks or inner thighs?",
        "For example, it feels different when you wipe after using the toilet.", "safety")
    bladder_bowel_change: bool = ask(
        "Have you had any new problem with your bladder or bowels?",
        "For example: difficulty starting to pass urine, not feeling urine flow, not "
        "feeling when your bladder or bowel is full, feeling different when you wipe, or "
        "not being able to control your bladder or bowels.", "safety")
    sexual_dysfunction: bool = ask(
        "Have you newly lost sexual function or sensation?",
        "For example, loss of erection or loss of feeling during sex.", "safety",
        default=False)
    difficulty_walking: bool = ask(
        "Have you newly found it hard to walk because your legs feel heavy, unsteady or "
        "clumsy?", "", "safety", default=False)
    leg_weakness: Literal["none", "stable", "worsening"] = ask(
        "Is a leg or foot weak?",
        "For example, your foot catches or slaps down when you walk.", "safety")
    chest_pain: bool = ask(
        "Do you have chest pain as well as this back pain?", "", "safety", default=False)
    fever: bool = ask(
        "Do you have a fever, chills, shivering fits or night sweats with this pain?", "",
        "safety")
    iv_drug_use: bool = ask("Do you inject drugs?", "Your answer stays confidential.",
                            "safety")
    immunosuppressed: bool = ask(
        "Is your immune system weakened?",
        "For example HIV, chemotherapy, an organ transplant, or medicines that suppress "
        "the immune system.", "safety")
    recent_infection: bool = ask(
        "In the last 3 months, have you had a bacterial infection, spinal surgery or a "
        "spinal injection?", "A urinary infection counts.", "safety")
    diabetes: bool = ask("Do you have diabetes?", "Type 1 or type 2.", "safety",
                         default=False)
    cancer_history: bool = ask("Have you ever been diagnosed with cancer?", "", "safety")
    cancer_years_ago: whole_number(0, 120) | None = ask(
        "If so, how many years ago was it diagnosed or treated?",
        "Your best estimate is fine; leave blank if you do not know.", "safety", default=None)
    unexplained_weight_loss: bool = ask(
        "Are you losing weight without trying?", "", "safety")
    night_pain: bool = ask(
        "Is the pain there at rest or at night, and not eased by lying down?", "", "safety")
    thoracic_pain: bool = ask(
        "Do you have pain in your upper or middle back, between the shoulder blades?", "",
        "safety")
    major_trauma: bool = ask(
        "Did the pain start after a serious accident, fall or blow?",
        "For example a car crash or a fall from a height.", "safety")
    minor_trauma: bool = ask(
        "Did the pain start after a minor fall, strain or lift?", "", "safety",
        default=False)
    osteoporosis: bool = ask(
        "Have you been told you have osteoporosis or thin bones?", "", "safety")
    long_term_steroids: bool = ask(
        "Have you taken steroid tablets (such as prednisolone) for more than 3 months?", "",
        "safety")

    # How you move
    walking_minutes: whole_number(0, 600) | None = ask(
        "How many minutes can you walk comfortably now?",
        "Leave blank if you are not sure.", "movement", default=None)

    # How the pain affects you
    start_back: StartBack | None = ask(
        "How the pain affects you (the Keele STarT Back questions)",
        "Optional. These nine questions help decide how much support you may need.",
        "impact", default=None)

    @computed_field(title="STarT Back risk group")
    @property
    def start_back_risk(self) -> Literal["not_answered", "low", "medium", "high"]:
        return self.start_back.risk if self.start_back else "not_answered"


def intake_facts(intake: Intake) -> dict:
    """The facts rules read: every answered scalar, plus derived scores; None dropped.

    The same as `intake.model_dump(exclude={"start_back"}, exclude_none=True)` (a test
    holds the two equal), read straight from the validated fields: every intake is
    assessed through here, and a what-if replays millions, so the serialiser's cost shows.
    """
    facts = {name: value for name, value in intake.__dict__.items()
             if value is not None and name != "start_back"}
    facts["start_back_risk"] = intake.start_back_risk
    return facts


INTAKE_VOCABULARY: Vocabulary = vocabulary_from_model(Intake)
# Rules may also read a weekly check-in's facts; on a first intake those are absent.
VOCABULARY: Vocabulary = INTAKE_VOCABULARY | vocabulary_from_model(CheckinFacts)
