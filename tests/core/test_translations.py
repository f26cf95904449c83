"""Every catalogue is complete in Spanish, and its compiled .mo says the same as its .po."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

import escala

CATALOGUES = sorted(Path(escala.__file__).parent.glob("**/locale/es/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 3


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_has_a_spanish_translation(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po if not e.translated() and not e.obsolete]
    assert untranslated == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_compiled_catalogue_matches_its_source(po_path):
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {e.msgid: e.msgstr for e in mo}
    for entry in po.translated_entries():
        assert compiled.get(entry.msgid) == entry.msgstr, entry.msgid


def test_refusals_reach_the_user_in_their_language(categories, employee, l1_agent):
    from escala.core.errors import ValidationFailed
    from escala.tickets.actions import escalate_ticket
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(employee, category=categories["password"])
    for lang, expected in (("es", "hace falta un motivo"), ("en", "needs a reason")):
        with translation.override(lang), pytest.raises(ValidationFailed) as refused:
            escalate_ticket(ticket=ticket, by=l1_agent.user, reason="", handover="x")
        assert expected in refused.value.message


# Written the same in both languages on purpose.
SAME_IN_SPANISH = {"supervisor", "Message-ID", "error"}


def test_every_field_name_people_read_is_in_the_catalogues():
    """A string missing from every catalogue passes the test above: the field names (the admin,
    the forms, the errors) are read from the models instead."""
    from django.apps import apps

    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("escala."):
            continue
        for field in model._meta.get_fields():
            name = getattr(field, "verbose_name", None)
            if name is None or field.auto_created or str(name) == field.name.replace("_", " "):
                continue  # no name given: Django's own from the attribute
            with translation.override("en"):
                english = str(name)
            with translation.override("es"):
                spanish = str(name)
            if english == spanish and english not in SAME_IN_SPANISH:
                missing.append(f"{model.__name__}.{field.name}: {english}")
    assert missing == []
