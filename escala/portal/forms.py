from django import forms
from django.utils.translation import gettext_lazy as _

from escala.core.forms import ModelChoiceField, MultipleFileField, VersionedForm
from escala.tiers.models import Category


class RequestForm(forms.Form):
    category = ModelChoiceField(
        label=_("What is it about?"),
        required=False,
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("I am not sure"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=250)
    description = forms.CharField(
        label=_("Describe what happens"),
        help_text=_("What did you try, what did you expect, what happened instead?"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(
        help_text=_("Screenshots or documents, up to 10 MB each."),
    )


class ReplyForm(VersionedForm):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField()


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("What is still wrong?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmForm(VersionedForm):
    """ "Yes, it is solved": the requester confirms the resolution (nothing to type)."""


class CloseForm(VersionedForm):
    reason = forms.CharField(label=_("Comment (optional)"), required=False, max_length=1000)
