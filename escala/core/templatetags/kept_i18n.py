"""`{% translate %}` as Django's, with a constant string looked up once per process and language.

Load it after `i18n` (`{% load i18n kept_i18n %}`) and the template's `{% translate "..." %}`
and `{% trans %}` tags are this library's. Django's tag makes a lazy string on every render and
reads the catalogues through the thread-local active language each time; the ticket page drew
some forty of them on every request (issue #20). Here a tag whose text (and context, if any)
are literals without filters keeps its result on the node, keyed by the active language and
whether the context autoescapes: a template literal and the catalogues are the same for every
viewer, so nothing of a viewer is kept. Anything else (`{% translate var %}`, a filter, a
variable context) is rendered by Django's own code, and so is everything while DEBUG is on
(catalogues may be reloaded then). `makemessages` reads the templates' text, so the strings are
found as before.
"""

from django import template
from django.conf import settings
from django.template import Context, Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.translation import get_language

register = template.Library()


class KeptTranslateNode(TranslateNode):
    def render(self, context: Context) -> str:
        kept = self.__dict__.get("_kept")
        if kept is None or settings.DEBUG:
            return super().render(context)
        key = (get_language(), context.autoescape)
        if (value := kept.get(key)) is None:
            value = super().render(context)
            if self.asvar:
                value = context[self.asvar]
            kept[key] = value
            return "" if self.asvar else value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _constant(node: TranslateNode) -> bool:
    """Whether the node's text and context are literals without filters."""
    text = node.filter_expression
    if text.filters or not isinstance(text.var, Variable) or text.var.literal is None:
        return False
    context = node.message_context
    return context is None or (not context.filters and isinstance(context.var, str))


@register.tag("translate")
@register.tag("trans")
def do_kept_translate(parser: template.base.Parser, token: template.base.Token) -> TranslateNode:
    node = do_translate(parser, token)
    node.__class__ = KeptTranslateNode
    if _constant(node):
        node._kept = {}  # (language, autoescape) -> the string drawn
    return node
