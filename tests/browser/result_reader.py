"""Read a result page back into the shape the vignette checker reads an outcome in.

So the web form is held to exactly the expectations the API is
(`service.triage.vignettes.expectation_problems`), from what the page really shows.
"""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace


class _ResultParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.level: str | None = None
        self.exercises: list[SimpleNamespace] = []
        self.advice: list[SimpleNamespace] = []
        self.walking: list[SimpleNamespace] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main" and "data-triage-level" in a:
            self.level = a["data-triage-level"]
        if "data-exercise" in a:
            self.exercises.append(SimpleNamespace(slug=a["data-exercise"],
                                                  category=a.get("data-category")))
        if "data-advice" in a:
            self.advice.append(SimpleNamespace(slug=a["data-advice"]))
        if "data-minutes" in a:  # a week of the plan, or the one line of a plan at its goal
            self.walking.append(SimpleNamespace(minutes_per_day=int(a["data-minutes"])))


def read_outcome(html: str) -> SimpleNamespace:
    """The triage level and routine (None when the page shows none) a result page shows."""
    parser = _ResultParser()
    parser.feed(html)
    shown = parser.exercises or parser.advice or parser.walking
    routine = SimpleNamespace(exercises=parser.exercises, advice=parser.advice,
                              walking_plan=parser.walking) if shown else None
    return SimpleNamespace(triage_level=parser.level, routine=routine)
