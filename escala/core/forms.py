"""Form pieces shared by the console and the portal."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
