"""The menu of every page: `{% main_nav as menu %}` in base.html, drawn by components/nav_*.html.

Which links a user sees is asked of `people.access`, the same functions the target views check;
adding a page to the menu is one `NavItem` here (and its check in access.py)."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from escala.core.templatetags.kept_tags import drawn
from escala.mail.templatetags.mail_tags import mail_alert_count
from escala.people import access

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class Menu:
    area: str  # "console" or "portal"
    home: str
    items: tuple[NavItem, ...]
    personal: tuple[NavItem, ...] = ()  # the user menu's own pages (components/nav_user.html)
    find: str = ""  # the console's search from anywhere (the top bar's box, Ctrl/⌘-K)


def _console_items(user) -> list[tuple[str, str, str]]:
    items = [
        ("queues", _("Queues"), "desk:queue"),
        ("new", _("New ticket"), "desk:new_ticket"),
        ("search", _("Search"), "desk_kb:search"),
        ("knowledge", _("Knowledge"), "desk_kb:index"),
        ("problems", _("Problems"), "problems:list"),  # every agent (problems.views.staff_required)
    ]
    if access.may_see_dashboard(user):
        items.append(("reports", _("Reports"), "reports:dashboard"))
    elif access.may_see_own_figures(user):
        items.append(("reports", _("My figures"), "reports:me"))
    if access.may_handle_mail(user):
        items.append(("mail", _("Mail"), "mail:quarantine"))
    if access.may_manage_api_tokens(user):
        items.append(("tokens", _("API tokens"), "api_tokens"))
    if access.may_manage_settings(user):
        items.append(("settings", _("Settings"), "admin:index"))
    return items


def _personal_items(user) -> list[tuple[str, str, str]]:
    items = []
    if access.may_keep_reply_tools(user):
        items.append(("reply_settings", _("My reply settings"), "desk:my_settings"))
    if access.may_keep_reply_tools(user) or access.may_manage_shared_canned_replies(user):
        items.append(("canned", _("Canned replies"), "desk:canned_list"))
    return items


def _portal_items(user) -> list[tuple[str, str, str]]:
    items = []
    if user.is_authenticated:
        items += [
            ("home", _("My requests"), "portal:home"),
            ("new", _("New request"), "portal:new_request"),
        ]
    items.append(("help", _("Help center"), "kb:index"))
    return items


# The first page of each area sits at its root ("/desk/", "/"), above every other page of the
# area: it is current on its own address and on the pages that belong to it (a ticket is worked
# from a queue), never on the rest (the reply settings, the notifications, the search results).
ROOT_PAGES = {
    "queues": ("tickets/", "requesters/"),
    "home": ("requests/",),
}


def _claims(key: str, url: str, path: str) -> bool:
    if path == url:
        return True
    if key in ROOT_PAGES:
        return any(path.startswith(url + child) for child in ROOT_PAGES[key])
    return url.endswith("/") and path.startswith(url)


def _current(path: str, items: list[tuple[str, str]]) -> str | None:
    """The key of the item a path belongs to: of the items claiming it, the one with the
    longest address, so /desk/tickets/7/ is under Queues (/desk/) and /desk/kb/tickets/ under
    Search (not Knowledge, /desk/kb/); None when no item claims it."""
    matching = [(key, url) for key, url in items if _claims(key, url, path)]
    return max(matching, key=lambda item: len(item[1]))[0] if matching else None


_urls: dict[tuple[str, str, str], str | None] = {}


def _url(name: str) -> str | None:
    """reverse(name), once per process and URL prefix (None: an app left out of this
    installation). Every page draws the menu; its dozen addresses never change while the
    process runs."""
    key = (name, get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    if key not in _urls:
        try:
            _urls[key] = reverse(name)
        except NoReverseMatch:
            _urls[key] = None
    return _urls[key]


def menu_for(request: HttpRequest) -> Menu:
    user = getattr(request, "user", None)
    console = access.may_use_console(user)
    rows = _console_items(user) if console else _portal_items(user)
    resolved = [(key, label, url) for key, label, name in rows if (url := _url(name))]
    current = _current(request.path, [(key, url) for key, _label, url in resolved])
    items = tuple(NavItem(key, label, url, key == current) for key, label, url in resolved)
    home = _url("desk:queue") if console else _url("portal:home")
    own = [
        (key, label, url)
        for key, label, name in (_personal_items(user) if console else [])
        if (url := _url(name))
    ]
    mine = _current(request.path, [(key, url) for key, _label, url in own])
    personal = tuple(NavItem(key, label, url, key == mine) for key, label, url in own)
    find = _url("desk:find") if console else ""
    return Menu(
        area="console" if console else "portal",
        home=home,
        items=items,
        personal=personal,
        find=find,
    )


@register.simple_tag(takes_context=True)
def main_nav(context) -> Menu | None:
    request = context.get("request")
    return menu_for(request) if request is not None else None


@register.simple_tag(takes_context=True)
def main_nav_html(context, menu: Menu | None) -> str:
    """components/nav_main.html: it reads only the menu (its items, which one is current) and
    the count of mail alerts, so it is drawn once per process for each (core kept_tags.drawn):
    every page shows it."""
    alerts = mail_alert_count(context) if menu and any(i.key == "mail" for i in menu.items) else 0
    return drawn(context, "components/nav_main.html", {"menu": menu, "mail_alerts": alerts})
