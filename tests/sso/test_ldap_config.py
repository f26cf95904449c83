"""ESCALA_LDAP_* environment variables -> django-auth-ldap settings; bad values fail loudly."""

import re

import ldap
import pytest
from django.core.exceptions import ImproperlyConfigured
from django_auth_ldap.config import GroupOfNamesType, NestedActiveDirectoryGroupType

from escala.sso.ldap_config import AD_DISABLED_FILTER, ldap_settings


def test_nothing_is_set_without_a_server():
    assert ldap_settings({}) == {"AUTH_LDAP_SERVER_URI": "", "ESCALA_LDAP_DISABLED_FILTER": ""}


def test_an_openldap_configuration():
    out = ldap_settings(
        {
            "ESCALA_LDAP_SERVER_URI": "ldap://ldap.example",
            "ESCALA_LDAP_BIND_DN": "cn=svc,dc=example",
            "ESCALA_LDAP_BIND_PASSWORD": "s3cret",
            "ESCALA_LDAP_START_TLS": "true",
            "ESCALA_LDAP_USER_SEARCH_BASE": "ou=people,dc=example",
            "ESCALA_LDAP_GROUP_SEARCH_BASE": "ou=groups,dc=example",
            "ESCALA_LDAP_REQUIRE_GROUP": "cn=staff,ou=groups,dc=example",
        }
    )
    assert out["AUTH_LDAP_START_TLS"] is True
    assert out["AUTH_LDAP_USER_SEARCH"].filterstr == "(uid=%(user)s)"
    assert out["AUTH_LDAP_USER_SEARCH"].scope == ldap.SCOPE_SUBTREE
    assert isinstance(out["AUTH_LDAP_GROUP_TYPE"], GroupOfNamesType)
    assert out["AUTH_LDAP_REQUIRE_GROUP"] == "cn=staff,ou=groups,dc=example"
    assert out["ESCALA_LDAP_DISABLED_FILTER"] == ""


def test_active_directory_defaults():
    out = ldap_settings(
        {
            "ESCALA_LDAP_SERVER_URI": "ldaps://dc1.corp.example",
            "ESCALA_LDAP_ACTIVE_DIRECTORY": "yes",
            "ESCALA_LDAP_USER_SEARCH_BASE": "dc=corp,dc=example",
            "ESCALA_LDAP_GROUP_SEARCH_BASE": "dc=corp,dc=example",
        }
    )
    assert out["AUTH_LDAP_USER_SEARCH"].filterstr == "(sAMAccountName=%(user)s)"
    assert isinstance(out["AUTH_LDAP_GROUP_TYPE"], NestedActiveDirectoryGroupType)
    assert out["ESCALA_LDAP_DISABLED_FILTER"] == AD_DISABLED_FILTER
    assert out["AUTH_LDAP_CONNECTION_OPTIONS"][ldap.OPT_REFERRALS] == 0


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ({}, "ESCALA_LDAP_USER_SEARCH_BASE"),
        ({"ESCALA_LDAP_USER_DN_TEMPLATE": "uid=x,dc=example"}, "%(user)s"),
        ({"ESCALA_LDAP_USER_SEARCH_BASE": "dc=x", "ESCALA_LDAP_START_TLS": "maybe"}, "boolean"),
        ({"ESCALA_LDAP_USER_SEARCH_BASE": "dc=x", "ESCALA_LDAP_USER_FILTER": "uid=%(user)s"}, "("),
        (
            {"ESCALA_LDAP_USER_SEARCH_BASE": "dc=x", "ESCALA_LDAP_USER_FILTER": "(uid=bob)"},
            "%(user)s",
        ),
        (
            {
                "ESCALA_LDAP_USER_SEARCH_BASE": "dc=x",
                "ESCALA_LDAP_GROUP_SEARCH_BASE": "dc=x",
                "ESCALA_LDAP_GROUP_TYPE": "novell",
            },
            "ESCALA_LDAP_GROUP_TYPE",
        ),
        ({"ESCALA_LDAP_USER_SEARCH_BASE": "dc=x", "ESCALA_LDAP_REQUIRE_GROUP": "cn=a"}, "GROUP"),
        ({"ESCALA_LDAP_USER_SEARCH_BASE": "dc=x", "ESCALA_LDAP_TIMEOUT": "soon"}, "integer"),
    ],
)
def test_bad_values_fail_at_start_up(extra, complaint):
    with pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        ldap_settings({"ESCALA_LDAP_SERVER_URI": "ldap://ldap.example", **extra})
