"""Configuration rows (tiers, categories, specialties) carry their text in both languages as
`<field>_en` / `<field>_es` columns; `Localized.localized(field)` picks the active language."""

from django.utils.translation import get_language


class Localized:
    def localized(self, field: str) -> str:
        lang = (get_language() or "es")[:2]
        value = getattr(self, f"{field}_{lang}", "") or ""
        return value or getattr(self, f"{field}_en", "") or getattr(self, f"{field}_es", "")
