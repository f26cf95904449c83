"""`{{ message|message_body }}`: a ticket message's body as every page shows it.

Markdown (the console's composer) goes through the knowledge base's one renderer
(knowledge.markdown.render: raw HTML off, nh3 allow-list), so a reply is exactly as safe as an
article; plain text (mail, the portal, the API, every older message) is shown as it always was,
escaped with its line breaks kept."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString

from escala.knowledge.markdown import render

register = template.Library()


@register.filter
def message_body(message) -> SafeString:  # noqa: ANN001 - a tickets.Message or a lookalike
    if getattr(message, "body_format", "text") == "markdown":
        return render(message.body)
    return linebreaksbr(message.body, autoescape=True)
