"""Is a webhook target safe to call? It must not reach the server's own network (SSRF)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from escala.core.errors import ValidationFailed

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_internal(ip: IP) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def parse(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationFailed(_("This is not a valid URL."), field="url") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationFailed(_("Use an http:// or https:// URL."), field="url")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str, *, allow_private: bool) -> list[str]:
    """The addresses to connect to; refuses internal ones unless explicitly allowed."""
    _scheme, host, port = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationFailed(
            _("The host “%(host)s” cannot be resolved.") % {"host": host}, field="url"
        ) from None
    addresses = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not allow_private:
        for address in addresses:
            if is_internal(ipaddress.ip_address(address)):
                raise ValidationFailed(
                    _(
                        "“%(host)s” resolves to an internal address (%(ip)s): webhooks may "
                        "not reach the server's own network unless an administrator allows it."
                    )
                    % {"host": host, "ip": address},
                    field="url",
                )
    if not addresses:
        raise ValidationFailed(_("The host has no address."), field="url")
    return addresses
