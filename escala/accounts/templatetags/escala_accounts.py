"""{% sign_in_options as options %}: which other ways in the sign-in page offers."""

from django import template

from escala.accounts.models import SelfRegistration
from escala.accounts.policy import current_policy

register = template.Library()


@register.simple_tag
def sign_in_options() -> dict[str, bool]:
    return {
        "link": current_policy().magic_link_enabled,
        "register": SelfRegistration.objects.filter(enabled=True).exists(),
    }
