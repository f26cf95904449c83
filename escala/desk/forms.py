"""The console's forms. They only shape input; every rule is the actions' to check."""

from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from escala.automation.models import Macro
from escala.core.forms import ModelChoiceField, MultipleFileField, VersionedForm
from escala.people.choices import RequesterKind
from escala.people.models import Agent, Organization, Requester
from escala.tickets.choices import Channel, LinkKind, MessageKind, Status
from escala.tickets.models import format_reference
from escala.tiers.choices import Impact, Priority, Urgency
from escala.tiers.models import Category, SupportTier, Team, Vendor

from .labels import Labels

QUEUE_CHOICES = [
    ("mine", _("My tickets")),
    ("unassigned", _("Unassigned at my tiers")),
    ("teams", _("My teams")),
    ("all", _("All tickets")),
]
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("updated", _("Recently updated")),
    ("priority", _("Priority")),
    ("due", _("Due (SLA)")),
]
DUE_CHOICES = [
    ("", _("Any")),
    ("breached", _("Breached")),
    ("hour", _("Due within an hour")),
]
DIRECT_STATUS_CHOICES = [
    (Status.OPEN, Status.OPEN.label),
    (Status.PENDING_CUSTOMER, Status.PENDING_CUSTOMER.label),
    (Status.PENDING_VENDOR, Status.PENDING_VENDOR.label),
]
PAGE_SIZES = [(25, "25"), (50, "50"), (100, "100")]


def _any(choices) -> list:  # noqa: ANN001
    return [("", _("Any"))] + list(choices)


def _labelled(label) -> forms.TypedChoiceField:  # noqa: ANN001
    """A filter over one of the few-row tables: its choices come from desk.labels, not a query."""
    return forms.TypedChoiceField(label=label, required=False, coerce=int, empty_value=None)


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(label=_("Queue"), choices=QUEUE_CHOICES, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Any open")), ("any", _("Any"))] + list(Status.choices),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_any(Priority.choices)
    )
    category = _labelled(_("Category"))
    tier = _labelled(_("Tier"))
    team = _labelled(_("Team"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    organization = _labelled(_("Organization"))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_any(Channel.choices))
    due = forms.ChoiceField(label=_("SLA"), required=False, choices=DUE_CHOICES)
    # Set by links ("all N tickets" of a requester), not offered among the fields.
    requester = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    size = forms.TypedChoiceField(
        label=_("Per page"), required=False, choices=PAGE_SIZES, coerce=int, empty_value=25
    )

    def __init__(self, *args, labels: Labels, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _any(labels.categories.items())
        self.fields["tier"].choices = _any((pk, t.name) for pk, t in labels.tiers.items())
        self.fields["team"].choices = _any(labels.teams.items())
        self.fields["organization"].choices = _any(labels.organizations.items())
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("none", _("Nobody")),
        ] + [(str(pk), name) for pk, name in labels.agents_by_first_name]


class BulkForm(forms.Form):
    tickets = forms.TypedMultipleChoiceField(coerce=int, label=_("Tickets"))
    operation = forms.ChoiceField(
        label=_("Bulk action"),
        choices=[
            ("assign", _("Assign to")),
            ("status", _("Set status")),
            ("priority", _("Set priority")),
        ],
    )
    assignee = ModelChoiceField(
        label=_("Agent"),
        required=False,
        queryset=Agent.objects.select_related("user"),
        empty_label=_("Nobody"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=DIRECT_STATUS_CHOICES)
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=Priority.choices)

    def __init__(self, *args, ticket_ids=(), labels: Labels | None = None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = [(pk, pk) for pk in ticket_ids]
        if labels is not None:  # the queue page shows the agents without querying them
            self.fields["assignee"].choices = [("", _("Nobody")), *labels.agents.items()]


class OffersLabels:
    """A form whose lists of tiers, teams, categories or vendors come from desk.labels (in
    memory) when it is shown unbound, instead of one query per list on every ticket page; what
    is posted is still checked against the field's queryset."""

    offers: dict[str, Callable[[Labels], list[tuple[int, str]]]] = {}

    def __init__(self, *args, labels: Labels | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if labels is None or self.is_bound:
            return
        for name, choices in self.offers.items():
            field = self.fields[name]
            empty = [] if field.empty_label is None else [("", field.empty_label)]
            field.choices = empty + choices(labels)


def _only_levels(form: forms.Form, labels: Labels | None, *, above: bool) -> None:
    """Escalating offers only the levels above the ticket's, de-escalating only those below
    (tiers and their teams); the action refuses anything else all the same."""
    ticket = getattr(form, "ticket", None)
    if ticket is None:
        return
    level = ticket.tier.level

    def fits(other: int) -> bool:
        return other > level if above else other < level

    tier, team = form.fields["to_tier"], form.fields["to_team"]
    offered = labels is not None and not form.is_bound
    tier_choices = list(tier.choices) if offered else []
    team_choices = list(team.choices) if offered else []
    side = {"level__gt" if above else "level__lt": level}
    tier.queryset = tier.queryset.filter(**side)
    team.queryset = team.queryset.filter(**{f"tier__{k}": v for k, v in side.items()})
    if offered:
        levels, team_levels = labels.tiers, labels.team_levels
        tier.choices = [(pk, n) for pk, n in tier_choices if pk == "" or fits(levels[pk].level)]
        team.choices = [
            (pk, n)
            for pk, n in team_choices
            if pk == "" or (pk in team_levels and fits(team_levels[pk]))
        ]


class ComposerForm(VersionedForm):
    kind = forms.ChoiceField(
        label=_("Message type"),
        choices=[
            (MessageKind.REPLY, _("Public reply to the requester")),
            (MessageKind.NOTE, _("Internal note for agents")),
        ],
        initial=MessageKind.REPLY,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
    )
    attachments = MultipleFileField()
    time_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), required=False, min_value=0, max_value=24 * 60
    )
    # Which send button was pressed: just send, then pending on the requester, then resolved.
    then = forms.ChoiceField(
        label=_("Send"),
        required=False,
        choices=[
            ("send", _("Send")),
            ("pending", _("Send and set pending")),
            ("resolve", _("Send and resolve")),
        ],
    )
    summary = forms.CharField(
        label=_("Resolution summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Used by “Send and resolve”; a reply is its own summary when this is left empty."
        ),
    )
    # The macro whose text was inserted: its fields (priority, status, tag) are set on sending.
    macro = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_macro(self) -> Macro | None:
        pk = self.cleaned_data.get("macro")
        if pk is None:
            return None
        macro = Macro.objects.filter(pk=pk, is_active=True).first()
        if macro is None:
            # Shown above the form (a hidden field's error would not be), and the page comes
            # back without it, so sending again sends the text alone.
            self.data = self.data.copy()
            self.data[self.add_prefix("macro")] = ""
            raise forms.ValidationError(
                _(
                    "The macro you inserted is no longer in use: nothing was sent. Send again "
                    "to send your text without its changes."
                )
            )
        return macro

    def add_error(self, field, error) -> None:  # noqa: ANN001
        super().add_error(None if field == "macro" else field, error)

    def time_spent_delta(self) -> timedelta | None:
        minutes = self.cleaned_data.get("time_spent")
        return timedelta(minutes=minutes) if minutes else None


class ClaimForm(VersionedForm):
    pass


class AssignForm(VersionedForm):
    assignee = ModelChoiceField(
        label=_("Assign to"), required=False, queryset=Agent.objects.none(), empty_label=_("Nobody")
    )

    def __init__(self, *args, agents=None, holders=None, **kwargs) -> None:  # noqa: ANN001
        """`agents`: the queryset a post is checked against; `holders`: (id, name) pairs offered
        when the form is shown unbound (desk.labels, in memory), instead of a query."""
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        if agents is not None:
            field.queryset = agents
        if holders is not None and not self.is_bound:
            field.choices = [("", field.empty_label), *holders]


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("New status"), choices=DIRECT_STATUS_CHOICES)
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=500)


class FieldsForm(OffersLabels, VersionedForm):
    offers = {"category": lambda labels: labels.active_categories}

    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("None"),
    )


class EscalateForm(OffersLabels, VersionedForm):
    offers = {
        "to_tier": lambda labels: labels.internal_tiers(),
        "to_team": lambda labels: labels.active_teams,
    }

    to_tier = ModelChoiceField(
        label=_("To tier"),
        required=False,
        queryset=SupportTier.objects.filter(is_external=False),
        empty_label=_("The next level up"),
    )
    to_team = ModelChoiceField(
        label=_("To team"),
        required=False,
        queryset=Team.objects.filter(is_active=True).select_related("tier"),
        empty_label=_("Chosen by category"),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, labels: Labels | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, labels=labels, **kwargs)
        _only_levels(self, labels, above=True)

    handover = forms.CharField(
        label=_("Handover summary"),
        help_text=_("What was checked, what is known, what the next level should look at."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class DeEscalateForm(OffersLabels, VersionedForm):
    offers = EscalateForm.offers

    to_tier = ModelChoiceField(
        label=_("To tier"),
        required=False,
        queryset=SupportTier.objects.filter(is_external=False),
        empty_label=_("The level it came from"),
    )
    to_team = ModelChoiceField(
        label=_("To team"),
        required=False,
        queryset=Team.objects.filter(is_active=True).select_related("tier"),
        empty_label=_("Chosen by category"),
    )

    def __init__(self, *args, labels: Labels | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, labels=labels, **kwargs)
        _only_levels(self, labels, above=False)

    note = forms.CharField(
        label=_("What should the lower level do?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class ReferForm(OffersLabels, VersionedForm):
    offers = {"vendor": lambda labels: labels.active_vendors}

    vendor = ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(is_active=True))
    case_number = forms.CharField(label=_("Vendor case number"), required=False, max_length=100)
    contact = forms.CharField(label=_("Vendor contact"), required=False, max_length=200)
    reason = forms.CharField(
        label=_("What the vendor is asked to do"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class CaseNumberForm(VersionedForm):
    case_number = forms.CharField(label=_("Vendor case number"), max_length=100)


class VendorMailForm(VersionedForm):
    body = forms.CharField(
        label=_("Message to the vendor"),
        help_text=_(
            "Sent to the vendor's support address with the case context; their answers come "
            "back to this ticket as internal vendor messages."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )


class ResolveForm(VersionedForm):
    summary = forms.CharField(
        label=_("Resolution summary"),
        help_text=_("What solved it, in words the requester understands."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class MacroForm(OffersLabels, VersionedForm):
    offers = {"macro": lambda labels: labels.active_macros}

    macro = ModelChoiceField(
        label=_("Macro"),
        queryset=Macro.objects.filter(is_active=True),
        help_text=_(
            "Sends its reply in the requester's language, placeholders filled in, and sets "
            "its fields."
        ),
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CloseForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class MergeForm(VersionedForm):
    target = forms.CharField(label=_("Merge into ticket"), max_length=20)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # The example carries the site's own prefix (ESCALA_TICKET_PREFIX), read per form.
        self.fields["target"].help_text = _(
            "Its reference, e.g. %(example)s. Both must be of the same requester."
        ) % {"example": format_reference(123)}


class LinkForm(VersionedForm):
    target = forms.CharField(label=_("Related ticket"), max_length=20)
    kind = forms.ChoiceField(label=_("Relation"), choices=LinkKind.choices)


class NewTicketForm(forms.Form):
    """A ticket filed by an agent on behalf of a caller."""

    lookup = forms.CharField(
        label=_("Find the caller"),
        required=False,
        max_length=200,
        help_text=_("Name, email or phone."),
    )
    requester = ModelChoiceField(
        label=_("Caller"),
        required=False,
        queryset=Requester.objects.select_related("organization"),
        widget=forms.RadioSelect,
    )
    new_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    new_email = forms.EmailField(label=_("Email"), required=False)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    new_organization = ModelChoiceField(
        label=_("Organization"),
        required=False,
        queryset=Organization.objects.filter(is_active=True),
    )
    new_kind = forms.ChoiceField(label=_("Kind"), required=False, choices=RequesterKind.choices)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.EMAIL, Channel.EMAIL.label)],
        initial=Channel.PHONE,
    )
    category = ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Not sure yet"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(
        label=_("What the caller says"), widget=forms.Textarea(attrs={"rows": 5})
    )
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.MEDIUM)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    attachments = MultipleFileField()
    time_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), required=False, min_value=0, max_value=24 * 60
    )

    def __init__(self, *args, matches=None, **kwargs) -> None:  # noqa: ANN001
        super().__init__(*args, **kwargs)
        if matches is not None:
            self.fields["requester"].queryset = matches

    def clean(self):  # noqa: ANN201
        data = super().clean()
        if not data.get("requester") and not data.get("new_name") and not data.get("new_email"):
            self.add_error("requester", _("Choose the caller, or fill in the new requester below."))
        return data

    def add_domain_error(self, error, *, creating_requester: bool = False) -> None:  # noqa: ANN001
        field = error.field
        if creating_requester and field in {"name", "email", "phone", "organization", "kind"}:
            field = f"new_{field}"
        self.add_error(field if field in self.fields else None, error.message)


class SignatureForm(forms.Form):
    body = forms.CharField(
        label=_("Signature"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Added under your public replies (never under internal notes). Markdown is allowed."
        ),
    )


class CannedReplyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    body_es = forms.CharField(
        label=_("Text in Spanish"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    body_en = forms.CharField(
        label=_("Text in English"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "The requester's language is inserted (the other when it is empty). Markdown and "
            "the macros' placeholders are allowed: {{ requester.name }}, {{ ticket.reference }}, "
            "{{ ticket.subject }}, {{ ticket.tier }}, {{ agent.name }}."
        ),
    )
    shared = forms.BooleanField(
        label=_("Shared with the whole desk"),
        required=False,
        help_text=_("Shared canned replies are kept by supervisors and administrators."),
    )

    def __init__(self, *args, may_share: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["shared"]

    def add_domain_error(self, error) -> None:  # noqa: ANN001
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
