"""Submit a form exactly as the page renders it: every field it has, and nothing else.

A test that posts hand-made data proves only that the view accepts that data; the
restore button once rendered without its `version` field while such tests passed. Here
the page is parsed, the form found, its fields read with their rendered values, and
only fields the form really has may be filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class RenderedForm:
    action: str
    method: str
    classes: set[str]
    # name -> value as rendered; a list where several ticked boxes share a name
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)  # the submit buttons' words
    boxes: dict[str, set[str]] = field(default_factory=dict)  # box name -> values, ticked or not

    def filled(self, **values: str | None) -> dict[str, str]:
        """The fields with some filled in (None: a box unticked); a name the form lacks
        is an error."""
        unknown = set(values) - set(self.fields) - set(self.boxes)
        assert not unknown, f"the form has no field {sorted(unknown)}: {sorted(self.fields)}"
        data = {**self.fields, **values}
        return {k: v for k, v in data.items() if v is not None}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[RenderedForm] = []
        self._form: RenderedForm | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._chosen = False
        self._button: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = RenderedForm(a.get("action", ""), a.get("method", "get").lower(),
                                      set(a.get("class", "").split()))
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and a.get("type") == "submit":
            self._form.buttons.append(a.get("value", "Submit"))  # a named one is not sent
        elif tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                self._form.boxes.setdefault(name, set()).add(a.get("value", "on"))
                if "checked" not in a:
                    return
            if kind not in ("submit", "button", "image", "reset"):
                value = a.get("value", "on" if kind == "checkbox" else "")
                earlier = self._form.fields.get(name)
                if kind == "checkbox" and earlier is not None:  # ticked boxes sharing a name
                    value = [*(earlier if isinstance(earlier, list) else [earlier]), value]
                self._form.fields[name] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self._chosen = False  # no option seen yet: the first one is sent, unless
        elif tag == "option" and self._select:  # a later one is marked selected
            if "selected" in a or not self._chosen:
                self._form.fields[self._select] = a.get("value", "")
                self._chosen = True
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = []

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._form is not None and self._textarea:
                # The HTML parser keeps the line break that follows <textarea>; browsers
                # drop it, CRLF or LF alike.
                text = self._form.fields[self._textarea]
                self._form.fields[self._textarea] = text.removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "button" and self._button is not None:
            if self._form is not None:
                self._form.buttons.append(" ".join("".join(self._button).split()))
            self._button = None


def rendered_forms(page: str | bytes) -> list[RenderedForm]:
    """Every form on a page."""
    parser = _FormParser()
    parser.feed(page.decode() if isinstance(page, bytes) else page)
    return parser.forms


def find_form(page: str | bytes, button: str) -> RenderedForm:
    """The one form whose submit button's words start with `button`."""
    found = [f for f in rendered_forms(page) if any(b.startswith(button) for b in f.buttons)]
    assert len(found) == 1, f"{len(found)} forms with a '{button}' button"
    return found[0]


def submit(client, response, button: str, **values: str | None):
    """Press `button` on the page `response` rendered, with some fields filled in."""
    form = find_form(response.get_data(), button)
    data = form.filled(**values)
    # No action, or a relative one, is resolved against the page's own address.
    url = urljoin(response.request.url, form.action)
    if form.method == "post":
        return client.post(url, data=data)
    return client.get(url.split("?")[0], query_string=data)
