from .ldap_fixtures import directory, ldap_configured, slapd_server  # noqa: F401
