"""The console's problem forms. Only shape checks here; every rule is the actions'."""

import re

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from escala.core.forms import ModelChoiceField
from escala.people.models import Agent
from escala.tickets.models import format_reference
from escala.tiers.models import SupportTier, Team

from .choices import ProblemStatus

_REF = re.compile(r"(?:[A-Za-z]+-)?0*(\d{1,9})")


def ticket_ids(text: str) -> list[int]:
    """ "ESC-000123, 124 ESC-7" → [123, 124, 7]: references or numbers, in order, once each."""
    seen: list[int] = []
    for piece in re.split(r"[\s,;]+", text or ""):
        if not piece:
            continue
        match = _REF.fullmatch(piece)
        if match is None:
            raise forms.ValidationError(
                _("“%(piece)s” is not a ticket number."), params={"piece": piece[:40]}
            )
        number = int(match.group(1))
        if number not in seen:
            seen.append(number)
    return seen


def _help() -> str:
    # Read when shown: the site's own prefix (ESCALA_TICKET_PREFIX), in the reader's language.
    return _("Ticket numbers separated by commas, e.g. %(example)s, 124.") % {
        "example": format_reference(123)
    }


_example_help = lazy(_help, str)


class TicketRefsField(forms.CharField):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("label", _("Incidents"))
        kwargs.setdefault("help_text", _example_help())
        kwargs.setdefault("max_length", 4000)
        super().__init__(**kwargs)

    def clean(self, value):  # noqa: ANN001, ANN201
        return ticket_ids(super().clean(value))


class VersionedProblemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, problem=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        if problem is not None and not self.is_bound:
            self.initial.setdefault("version", problem.version)

    def add_domain_error(self, error) -> None:  # noqa: ANN001
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class NewProblemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What is happening"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
    )
    owner_tier = ModelChoiceField(
        label=_("Owned by level"),
        queryset=SupportTier.objects.filter(is_external=False),
        required=False,
        help_text=_("Level 3 unless you choose another."),
    )
    owner_team = ModelChoiceField(
        label=_("Owned by team"), queryset=Team.objects.all(), required=False
    )
    tickets = TicketRefsField(required=False)

    def add_domain_error(self, error) -> None:  # noqa: ANN001
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class RootCauseForm(VersionedProblemForm):
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )


class WorkaroundForm(VersionedProblemForm):
    workaround_es = forms.CharField(
        label=_("Workaround (Spanish)"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    workaround_en = forms.CharField(
        label=_("Workaround (English)"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    public = forms.BooleanField(label=_("Also show it in the portal's help center"), required=False)


class StatusForm(VersionedProblemForm):
    status = forms.ChoiceField(label=_("Status"), choices=ProblemStatus.choices)
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)


class LinkForm(forms.Form):
    tickets = TicketRefsField()


class AssignForm(forms.Form):
    assignee = ModelChoiceField(
        label=_("Engineer"),
        queryset=Agent.objects.select_related("user").order_by("user__first_name"),
        required=False,
    )


class VendorCaseForm(forms.Form):
    vendor_case = forms.IntegerField(
        label=_("Vendor case of ticket"),
        help_text=_("The ticket number whose vendor referral carries the fix."),
        min_value=1,
        max_value=2_000_000_000,
        required=False,
    )


class DeclareForm(forms.Form):
    title_es = forms.CharField(
        label=_("Public title (Spanish)"),
        max_length=200,
        required=False,
        help_text=_("What every requester reads, e.g. “Acceso a la VPN desde casa”."),
    )
    title_en = forms.CharField(label=_("Public title (English)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Internal notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )
    show_in_portal = forms.BooleanField(
        label=_("Announce it in the portal"), required=False, initial=True
    )


class UpdateForm(forms.Form):
    body_es = forms.CharField(
        label=_("Update (Spanish)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )
    body_en = forms.CharField(
        label=_("Update (English)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )


class ResolveForm(UpdateForm):
    resolve_tickets = forms.BooleanField(
        label=_("Resolve every linked ticket with this message"), required=False, initial=True
    )


class BulkLinkForm(forms.Form):
    # "tickets": the name the console's select-all box (static/js/escala.js) checks.
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # Any positive number: which ones the user may link is the action's rule.
        raw = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(v, v) for v in raw if str(v).isdigit()]
