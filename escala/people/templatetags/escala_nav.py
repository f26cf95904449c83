"""The menu of every page: `{% main_nav as menu %}` in base.html, drawn by components/nav_*.html.

Which links a user sees is asked of `people.access`, the same functions the target views check;
adding a page to the menu is one `NavItem` here (and its check in access.py)."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
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


_kept_labels: dict[str | None, dict[str, str]] = {}


def _labels() -> dict[str, str]:
    """The menu's words in the active language, read once per process and language (every page
    draws the menu: a dozen catalogue look-ups per request before)."""
    language = get_language()
    if (found := _kept_labels.get(language)) is None:
        found = _kept_labels[language] = {
            "queues": _("Queues"),
            "new": _("New ticket"),
            "search": _("Search"),
            "knowledge": _("Knowledge"),
            "problems": _("Problems"),
            "reports": _("Reports"),
            "my_figures": _("My figures"),
            "mail": _("Mail"),
            "tokens": _("API tokens"),
            "settings": _("Settings"),
            "reply_settings": _("My reply settings"),
            "canned": _("Canned replies"),
            "my_requests": _("My requests"),
            "new_request": _("New request"),
            "help": _("Help center"),
        }
    return found


def _console_items(user) -> list[tuple[str, str, str]]:
    label = _labels()
    items = [
        ("queues", label["queues"], "desk:queue"),
        ("new", label["new"], "desk:new_ticket"),
        ("search", label["search"], "desk_kb:search"),
        ("knowledge", label["knowledge"], "desk_kb:index"),
        # every agent (problems.views.staff_required)
        ("problems", label["problems"], "problems:list"),
    ]
    if access.may_see_dashboard(user):
        items.append(("reports", label["reports"], "reports:dashboard"))
    elif access.may_see_own_figures(user):
        items.append(("reports", label["my_figures"], "reports:me"))
    if access.may_handle_mail(user):
        items.append(("mail", label["mail"], "mail:quarantine"))
    if access.may_manage_api_tokens(user):
        items.append(("tokens", label["tokens"], "api_tokens"))
    if access.may_manage_settings(user):
        items.append(("settings", label["settings"], "admin:index"))
    return items


def _personal_items(user) -> list[tuple[str, str, str]]:
    label = _labels()
    items = []
    if access.may_keep_reply_tools(user):
        items.append(("reply_settings", label["reply_settings"], "desk:my_settings"))
    if access.may_keep_reply_tools(user) or access.may_manage_shared_canned_replies(user):
        items.append(("canned", label["canned"], "desk:canned_list"))
    return items


def _portal_items(user) -> list[tuple[str, str, str]]:
    label = _labels()
    items = []
    if user.is_authenticated:
        items += [
            ("home", label["my_requests"], "portal:home"),
            ("new", label["new_request"], "portal:new_request"),
        ]
    items.append(("help", label["help"], "kb:index"))
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


_urls: dict[tuple[str, str], dict[str, str | None]] = {}


def _addresses() -> dict[str, str | None]:
    """The menu's addresses for this URL prefix and URLconf (filled by _url)."""
    key = (get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    if (found := _urls.get(key)) is None:
        found = _urls[key] = {}
    return found


def _url(name: str, addresses: dict[str, str | None] | None = None) -> str | None:
    """reverse(name), once per process and URL prefix (None: an app left out of this
    installation). Every page draws the menu; its dozen addresses never change while the
    process runs. `addresses`: _addresses() when the caller has them already."""
    if addresses is None:
        addresses = _addresses()
    if name not in addresses:
        try:
            addresses[name] = reverse(name)
        except NoReverseMatch:
            addresses[name] = None
    return addresses[name]


def menu_for(request: HttpRequest) -> Menu:
    user = getattr(request, "user", None)
    console = access.may_use_console(user)
    rows = _console_items(user) if console else _portal_items(user)
    at = _addresses()
    resolved = [(key, label, url) for key, label, name in rows if (url := _url(name, at))]
    current = _current(request.path, [(key, url) for key, _label, url in resolved])
    items = tuple(NavItem(key, label, url, key == current) for key, label, url in resolved)
    home = _url("desk:queue", at) if console else _url("portal:home", at)
    own = [
        (key, label, url)
        for key, label, name in (_personal_items(user) if console else [])
        if (url := _url(name, at))
    ]
    mine = _current(request.path, [(key, url) for key, _label, url in own])
    personal = tuple(NavItem(key, label, url, key == mine) for key, label, url in own)
    find = _url("desk:find", at) if console else ""
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
