"""The Python-rendered <select> must say exactly what Django's templates say."""

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


def squash(markup: str) -> str:
    return re.sub(r">\s+<", "><", str(markup)).strip()


@pytest.mark.parametrize("data", [None, {"plain": "b", "grouped": "y", "many": ["1", "3"]}])
@pytest.mark.parametrize("name", ["plain", "grouped", "many", "flag"])
def test_select_markup_matches_the_templates(data, name):
    fast = Sample(data, renderer=FastSelectRenderer())[name]
    slow = Sample(data, renderer=DjangoTemplates())[name]
    assert squash(fast.as_widget()) == squash(slow.as_widget())
    assert "<option" in str(fast.as_widget())


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastSelectRenderer)
