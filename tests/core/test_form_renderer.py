"""The Python-rendered selects, inputs and textareas must say exactly what Django's templates
say."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from escala.core.forms import FastSelectRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "Alpha & <b>"), ("b", 'Be"ta')])
    grouped = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("Group <1>", [("x", "Ex"), ("y", "Why")])]
    )
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two"), (3, "Three")])
    flag = forms.NullBooleanField()
    text = forms.CharField(max_length=20, help_text="Help & <i>")
    number = forms.IntegerField(required=False, min_value=0)
    email = forms.EmailField(required=False)
    hidden = forms.IntegerField(widget=forms.HiddenInput)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": True}))


def squash(markup: str) -> str:
    return re.sub(r">\s+<", "><", str(markup)).strip()


POSTED = {
    "plain": "b",
    "grouped": "y",
    "many": ["1", "3"],
    "text": 'a "quoted" <b>text</b> & more',
    "number": "-1",
    "email": "not an email",
    "hidden": "7",
    "secret": "s3<cr>et",
    "when": "2026-11-27",
    "body": "Line 1\n<script>x</script> & line 2",
}


SELECTS = {"plain", "grouped", "many", "flag"}


@pytest.mark.parametrize("data", [None, POSTED, {}])
@pytest.mark.parametrize("name", list(Sample.base_fields))
def test_widget_markup_matches_the_templates(data, name):
    fast = str(Sample(data, renderer=FastSelectRenderer())[name].as_widget())
    slow = str(Sample(data, renderer=DjangoTemplates())[name].as_widget())
    if name in SELECTS:  # the templates put each option on a line of its own
        assert "<option" in fast
        assert squash(fast) == squash(slow)
    else:
        assert fast == slow


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastSelectRenderer)


def test_selects_inputs_and_textareas_need_no_template(monkeypatch):
    def no_template(self, name):
        raise AssertionError(f"rendered through {name}")

    monkeypatch.setattr(DjangoTemplates, "get_template", no_template)
    form = Sample(POSTED, renderer=FastSelectRenderer())
    for name in ["plain", "text", "number", "hidden", "secret", "when", "body"]:
        assert form[name].as_widget()
