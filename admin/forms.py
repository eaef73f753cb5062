"""Form plumbing shared by the panel: CSRF, SQLModel columns, lists and nested dicts."""

from __future__ import annotations

from flask import render_template
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters
from flask_admin.model.form import converts
from flask_wtf import FlaskForm
from markupsafe import Markup
from pydantic import ValidationError as PydanticError
from wtforms import fields, widgets
from wtforms.utils import unset_value

_NOT_GIVEN = object()


class AdminForm(FlaskForm):
    """The base of every panel form.

    flask-admin's SecureForm signs its own CSRF token, which the app-wide Flask-WTF
    CSRFProtect would refuse; a FlaskForm carries the token CSRFProtect checks.
    `_obj` is what flask-admin's unique-value validator looks at.
    """

    def __init__(self, formdata=_NOT_GIVEN, obj=None, prefix="", **kwargs):
        self._obj = obj
        if formdata is not _NOT_GIVEN:  # not given: Flask-WTF reads the request itself
            kwargs["formdata"] = formdata
        super().__init__(obj=obj, prefix=prefix, **kwargs)


class SQLModelConverter(AdminModelConverter):
    """flask-admin's converter, taught SQLModel's `str` column type.

    Without this, every `str` field of a SQLModel silently vanishes from the forms.
    """

    @converts("AutoString")
    def conv_auto_string(self, column, field_args, **extra):
        if getattr(column.type, "length", None):
            return self.conv_String(column=column, field_args=field_args, **extra)
        self._string_common(column=column, field_args=field_args, **extra)
        return fields.TextAreaField(**field_args)


class SQLModelFilters(FilterConverter):
    """List filters for SQLModel's `str` columns, which flask-admin would skip."""

    @filters.convert("autostring")
    def conv_auto_string(self, column, name, **kwargs):
        return self.conv_string(column, name, **kwargs)


class LinesField(fields.TextAreaField):
    """A list of strings edited as lines of a text box: one item per line, in order."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = [line.strip() for line in valuelist[0].splitlines() if line.strip()]

    def process_data(self, value):
        self.data = list(value or [])


class MultiCheckboxField(fields.SelectMultipleField):
    """A multiple choice as checkboxes: clearer than a list that needs Ctrl-click."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubformWidget:
    """Renders a sub-form's fields with labels and errors; `kinds` tags fields for scripts."""

    def __init__(self, kinds: dict[str, str] | None = None):
        self.kinds = kinds or {}

    def __call__(self, field, **kwargs) -> Markup:
        return Markup(render_template("panel/_subform.html", field=field, kinds=self.kinds))


class DictFormField(fields.FormField):
    """A sub-form stored as one dict (a JSON column).

    The sub-form class turns the column's dict into its fields with `from_dict` and
    back with `to_dict`, so a JSON column gets real inputs instead of a JSON text box.
    """

    widget = SubformWidget()

    def process(self, formdata, data=unset_value, extra_filters=None):
        if data is unset_value or data is None:
            data = {}
        super().process(formdata, self.form_class.from_dict(data), extra_filters)

    def populate_obj(self, obj, name):
        setattr(obj, name, self.form.to_dict())


def pydantic_messages(error: PydanticError) -> list[str]:
    """A pydantic error as short messages, each naming the field it is about."""
    messages = []
    for e in error.errors():
        where = ".".join(str(part) for part in e["loc"] if not str(part).startswith("function"))
        messages.append(f"{where}: {e['msg']}" if where else e["msg"])
    return messages
