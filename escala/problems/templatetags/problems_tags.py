from django import template
from django.utils.translation import get_language

from ..banner import banner

register = template.Library()


@register.inclusion_tag("problems/_banner.html", takes_context=True)
def known_issues_banner(context) -> dict:  # noqa: ANN001
    english = (get_language() or "es")[:2] == "en"
    issues = [
        {
            "pk": item["pk"],
            "title": (item["title_en"] if english else item["title_es"]) or item["title_es"],
            "latest": (item["latest_en"] if english else item["latest_es"]) or item["latest_es"],
            "updated_at": item["updated_at"],
        }
        for item in banner()
    ]
    return {"issues": issues, "user": context.get("user"), "request": context.get("request")}
