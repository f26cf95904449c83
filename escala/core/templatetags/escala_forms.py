"""{% form_field field %}: one form field with its label, help and errors, wired for screen
readers (components/field.html is this tag). Written in Python: a ticket page shows some forty
fields, and the same markup through a template cost several milliseconds per page."""

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    e = conditional_escape
    errors = field.errors
    classes = "field"
    if errors:
        classes += " has-error"
    if field.field.required:
        classes += " is-required"
    parts = [f'<div class="{classes}">\n']
    if field.widget_type == "radioselect":
        radios = "".join(
            f'<label class="radio" for="{e(radio.id_for_label)}">{e(radio.tag())} '
            f"{e(radio.choice_label)}</label>"
            for radio in field
        )
        parts.append(
            f"  <fieldset>\n    <legend>{e(field.label)}</legend>\n    {radios}\n  </fieldset>\n"
        )
    else:
        parts.append(f'  <label for="{e(field.id_for_label)}">{e(field.label)}</label>\n')
        parts.append(f"  {e(field)}\n")
    if field.help_text:
        help_id = f"{e(field.auto_id)}_helptext"
        parts.append(f'  <p class="help" id="{help_id}">{e(field.help_text)}</p>\n')
    parts.extend(
        f'  <p class="error" id="{e(field.auto_id)}_error" role="alert">{e(error)}</p>'
        for error in errors
    )
    parts.append("\n</div>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
