from .ldap_fixtures import directory, ldap_configured, slapd_server  # noqa: F401
from .oidc_fixtures import oidc_configured, oidc_provider  # noqa: F401
