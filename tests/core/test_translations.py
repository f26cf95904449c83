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


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "_lazy"}
CONTEXT_NAMES = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def _marked_strings():
    """Every literal marked for translation in escala's Python source, read with ast, which also
    sees inside f-strings (xgettext does not: a string marked only there never reaches a
    catalogue, and the page shows English)."""
    import ast

    root = Path(escala.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if node.func.id in GETTEXT_NAMES and args and isinstance(args[0], str):
                yield path.relative_to(root), None, args[0]
            elif node.func.id in CONTEXT_NAMES and len(args) > 1 and isinstance(args[1], str):
                yield path.relative_to(root), args[0], args[1]


def test_every_string_marked_in_python_is_in_a_catalogue():
    known = set()
    for po_path in CATALOGUES:
        known |= {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path)) if e.translated()}
    missing = [
        f"{path}: {msgid!r}"
        for path, context, msgid in _marked_strings()
        if (context, msgid) not in known
    ]
    assert missing == []
