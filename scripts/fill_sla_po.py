"""Fill the Spanish catalogues of sla and automation; exit 1 if anything is left untranslated."""

import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).parent))
from translations_sla_es import ES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
missing = []
for app in ("sla", "automation"):
    path = ROOT / "escala" / app / "locale" / "es" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid in ES:
            entry.msgstr = ES[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr:
            missing.append(f"{app}: {entry.msgid}")
    po.save(str(path))
print("\n".join(missing) or "all translated")
sys.exit(1 if missing else 0)
