from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DEFAULT_DELIVERY, Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind; an unknown value is refused at its own field."""

    def __init__(self, *args, initial_choices: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        known = initial_choices or DEFAULT_DELIVERY
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=known.get(kind.value, DEFAULT_DELIVERY[kind.value]),
                error_messages={
                    "required": _("Choose how to hear of this."),
                    "invalid_choice": _("Choose one of the options offered."),
                },
            )


class ListFilter(forms.Form):
    show = forms.ChoiceField(choices=[("unread", _("Unread")), ("all", _("All"))], required=False)
    cursor = forms.CharField(required=False, max_length=500)
