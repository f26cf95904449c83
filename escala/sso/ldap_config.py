"""LDAP / Active Directory settings for django-auth-ldap, read from environment variables.

settings.py calls `ldap_settings(os.environ)`; nothing is set (and python-ldap is not imported)
unless ESCALA_LDAP_SERVER_URI is. A bad value fails at start-up, as every other setting does.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

AD_DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"
GROUP_TYPES = {
    "groupofnames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "nestedgroupofnames": ("NestedGroupOfNamesType", "(objectClass=groupOfNames)"),
    "groupofuniquenames": ("GroupOfUniqueNamesType", "(objectClass=groupOfUniqueNames)"),
    "posixgroup": ("PosixGroupType", "(objectClass=posixGroup)"),
    "activedirectory": ("ActiveDirectoryGroupType", "(objectClass=group)"),
    "nestedactivedirectory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def _filter(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or "").strip() or default
    if value and not (value.startswith("(") and value.endswith(")")):
        raise ImproperlyConfigured(f"{name} must be an LDAP filter in parentheses, got {value!r}")
    return value


def ldap_settings(env: Mapping[str, str]) -> dict[str, Any]:
    uri = (env.get("ESCALA_LDAP_SERVER_URI") or "").strip()
    if not uri:
        return {"AUTH_LDAP_SERVER_URI": "", "ESCALA_LDAP_DISABLED_FILTER": ""}
    try:
        import ldap
        from django_auth_ldap import config
    except ImportError:  # pragma: no cover - depends on the installation
        raise ImproperlyConfigured(
            "ESCALA_LDAP_SERVER_URI is set but django-auth-ldap is not installed: "
            "pip install 'escala[ldap]' (needs libldap-dev and libsasl2-dev to build)"
        ) from None
    ad = _bool(env, "ESCALA_LDAP_ACTIVE_DIRECTORY", False)
    timeout = _int(env, "ESCALA_LDAP_TIMEOUT", 10)
    out: dict[str, Any] = {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": env.get("ESCALA_LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": env.get("ESCALA_LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": _bool(env, "ESCALA_LDAP_START_TLS", False),
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_USER_ATTR_MAP": {
            "first_name": env.get("ESCALA_LDAP_ATTR_FIRST_NAME") or "givenName",
            "last_name": env.get("ESCALA_LDAP_ATTR_LAST_NAME") or "sn",
            "email": env.get("ESCALA_LDAP_ATTR_EMAIL") or "mail",
        },
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
            ldap.OPT_REFERRALS: 0,  # Active Directory's referrals lead to hosts we never asked for
        },
    }
    if ca_file := (env.get("ESCALA_LDAP_CA_FILE") or "").strip():
        out["AUTH_LDAP_GLOBAL_OPTIONS"] = {ldap.OPT_X_TLS_CACERTFILE: ca_file}
    if template := (env.get("ESCALA_LDAP_USER_DN_TEMPLATE") or "").strip():
        if "%(user)s" not in template:
            raise ImproperlyConfigured("ESCALA_LDAP_USER_DN_TEMPLATE must contain %(user)s")
        out["AUTH_LDAP_USER_DN_TEMPLATE"] = template
    else:
        base = (env.get("ESCALA_LDAP_USER_SEARCH_BASE") or "").strip()
        if not base:
            raise ImproperlyConfigured(
                "LDAP needs ESCALA_LDAP_USER_SEARCH_BASE or ESCALA_LDAP_USER_DN_TEMPLATE"
            )
        user_filter = _filter(
            env, "ESCALA_LDAP_USER_FILTER", "(sAMAccountName=%(user)s)" if ad else "(uid=%(user)s)"
        )
        if "%(user)s" not in user_filter:
            raise ImproperlyConfigured("ESCALA_LDAP_USER_FILTER must contain %(user)s")
        out["AUTH_LDAP_USER_SEARCH"] = config.LDAPSearch(base, ldap.SCOPE_SUBTREE, user_filter)
    if group_base := (env.get("ESCALA_LDAP_GROUP_SEARCH_BASE") or "").strip():
        kind = (env.get("ESCALA_LDAP_GROUP_TYPE") or "").strip().lower().replace("_", "")
        kind = kind or ("nestedactivedirectory" if ad else "groupofnames")
        if kind not in GROUP_TYPES:
            raise ImproperlyConfigured(
                f"ESCALA_LDAP_GROUP_TYPE must be one of {', '.join(GROUP_TYPES)}, got {kind!r}"
            )
        class_name, default_filter = GROUP_TYPES[kind]
        group_filter = _filter(env, "ESCALA_LDAP_GROUP_FILTER", default_filter)
        out["AUTH_LDAP_GROUP_SEARCH"] = config.LDAPSearch(
            group_base, ldap.SCOPE_SUBTREE, group_filter
        )
        out["AUTH_LDAP_GROUP_TYPE"] = getattr(config, class_name)()
        if required := (env.get("ESCALA_LDAP_REQUIRE_GROUP") or "").strip():
            out["AUTH_LDAP_REQUIRE_GROUP"] = required
    elif (env.get("ESCALA_LDAP_REQUIRE_GROUP") or "").strip():
        raise ImproperlyConfigured("ESCALA_LDAP_REQUIRE_GROUP needs ESCALA_LDAP_GROUP_SEARCH_BASE")
    out["ESCALA_LDAP_DISABLED_FILTER"] = _filter(
        env, "ESCALA_LDAP_DISABLED_FILTER", AD_DISABLED_FILTER if ad else ""
    )
    out["ESCALA_LDAP_ADOPT_LOCAL_USERS"] = _bool(env, "ESCALA_LDAP_ADOPT_LOCAL_USERS", False)
    return out
