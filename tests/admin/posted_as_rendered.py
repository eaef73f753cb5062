"""What a browser sends when a form is submitted as the page rendered it.

Every named control of the chosen form, with the value the page gave it: text, hidden
and password inputs, checked boxes only, each select's selected option (else its
first), textareas. Submit buttons are left out: the caller says which one was pressed.
"""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

_NOT_SENT = {"submit", "button", "reset", "image", "file"}


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif not self.forms or "disabled" in a:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in _NOT_SENT or not a.get("name"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.forms[-1]["fields"].append([a["name"], a.get("value", default)])
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": ""}
            self._select["options"].append(self._option)
            if "selected" in a:
                self._select["selected"] = self._option
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["selected"] or next(iter(self._select["options"]), None)
            if chosen is not None:
                value = chosen["value"] if chosen["value"] is not None else chosen["text"]
                self.forms[-1]["fields"].append([self._select["name"], value])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            name, value = self._textarea
            self.forms[-1]["fields"].append([name, value.removeprefix("\n")])
            self._textarea = None


def rendered_form(html: str, having: str) -> MultiDict:
    """The fields of the first form on the page with a control named `having`."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if any(name == having for name, _ in form["fields"]):
            return MultiDict([tuple(field) for field in form["fields"]])
    raise AssertionError(f"no form on the page has a field named {having!r}")


def rendered_forms(html: str) -> list[tuple[str, MultiDict]]:
    """(action, fields) of every form on the page, in page order."""
    parser = _Forms()
    parser.feed(html)
    return [(form["action"], MultiDict([tuple(f) for f in form["fields"]]))
            for form in parser.forms]
