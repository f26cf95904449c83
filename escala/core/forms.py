"""Form pieces shared by the console and the portal."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django's own label for the empty choice of a model field with choices, which Django's Spanish
# catalogue lacks: named here so that ours carries its translation.
gettext_noop("- Select an option -")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the size and type checks are the actions' (one rule)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # noqa: ANN001
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class VersionedForm(forms.Form):
    """A form built from a ticket: carries the version it was built from, so an action on a
    ticket someone changed meanwhile is refused instead of overwriting their change."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, ticket=None, **kwargs) -> None:  # noqa: ANN001
        self.ticket = ticket
        super().__init__(*args, **kwargs)
        if ticket is not None and not self.is_bound:
            self.initial.setdefault("version", ticket.version)

    def add_domain_error(self, error) -> None:  # noqa: ANN001
        """Show an action's refusal next to its field (or above the form)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


SELECT = "django/forms/widgets/select.html"
SELECT_OPTION = "django/forms/widgets/select_option.html"


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python: True is a bare attribute, False is left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def render_select(widget: dict) -> str:
    """django/forms/widgets/select.html, in Python, producing the same markup."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'<option value="{conditional_escape(o["value"])}"{_attrs_html(o["attrs"])}>'
            f"{conditional_escape(o['label'])}</option>"
            for o in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "time")
}
TEXTAREA = "django/forms/widgets/textarea.html"


def _input_attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html exactly: only False is left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(widget: dict) -> str:
    """django/forms/widgets/input.html (and the text, number, hidden ... inputs), in Python."""
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<input type="{conditional_escape(widget["type"])}"'
        f' name="{conditional_escape(widget["name"])}"{shown}{_input_attrs_html(widget["attrs"])}>'
    )


def render_textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html, in Python."""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<textarea name="{conditional_escape(widget["name"])}"'
        f"{_input_attrs_html(widget['attrs'])}>\n{value}</textarea>"
    )


class FastSelectRenderer(DjangoTemplates):
    """The form renderer (settings.FORM_RENDERER). Django renders each widget through templates,
    and each <option> through a template include of its own; the console's forms carry hundreds
    of options (agents, organizations, categories) and its ticket page some forty fields, which
    cost more than all the page's queries at a million tickets. Selects, inputs and textareas
    are therefore rendered in Python with the same markup; other widgets go to the templates."""

    def render(self, template_name, context, request=None):  # noqa: ANN001, ANN201
        widget = context.get("widget")
        if template_name == SELECT and all(
            option["template_name"] == SELECT_OPTION
            for _name, options, _index in widget["optgroups"]
            for option in options
        ):
            return render_select(widget)
        if template_name in INPUTS:
            return render_input(widget)
        if template_name == TEXTAREA:
            return render_textarea(widget)
        return super().render(template_name, context, request)


class _ListedChoices(ModelChoiceIterator):
    """Reads the choices in one plain query. Django's iterator opens a server-side cursor on
    PostgreSQL (DECLARE, FETCH, CLOSE: three round trips) for what is a few dozen rows."""

    def __iter__(self):  # noqa: ANN204
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices
