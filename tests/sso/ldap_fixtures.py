"""A real slapd for the LDAP tests, and the directory of the tests' personas in it (imported by
tests/sso/conftest.py and the browser tests)."""

import pytest

from escala.sso.ldap_config import ldap_settings

from . import slapd

PEOPLE = f"ou=people,{slapd.SUFFIX}"
GROUPS = f"ou=groups,{slapd.SUFFIX}"
SERVICE_DN = f"cn=escala,{slapd.SUFFIX}"
SERVICE_PASSWORD = "service-account-secret"

# uid: (given name, surname, mail, password, groups, userAccountControl)
ENTRIES = {
    "marta": ("Marta", "Gómez", "marta@finanzas.example", "marta-pass-1", ["finanzas"], 512),
    "lucia": ("Lucía", "Agente", "lucia@escala.example", "lucia-pass-1", ["service-desk"], 512),
    "nuria": ("Nuria", "Redes", "nuria@escala.example", "nuria-pass-1", ["networks"], 512),
    "sara": ("Sara", "Jefa", "sara@escala.example", "sara-pass-1", ["supervisors"], 512),
    "olvido": ("Olvido", "Baja", "olvido@finanzas.example", "olvido-pass-1", ["finanzas"], 514),
    "nadie": ("Nadie", "Sin Grupo", "nadie@otra.example", "nadie-pass-1", [], 512),
}
GROUP_NAMES = ["finanzas", "service-desk", "networks", "supervisors", "empty"]


def user_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory):
    if not slapd.available():
        pytest.fail("slapd is not installed: apt-get install slapd ldap-utils (.ci/run does it)")
    process, uri = slapd.start(tmp_path_factory.mktemp("slapd"))
    yield uri
    slapd.stop(process)


class Directory:
    """The test directory, reset for each test; the tests change it as an administrator would."""

    def __init__(self, uri: str) -> None:
        import ldap

        self.uri = uri
        self.conn = ldap.initialize(uri, bytes_mode=False)
        self.conn.simple_bind_s(slapd.ROOT_DN, slapd.ROOT_PASSWORD)

    def reset(self) -> None:
        import ldap

        try:
            found = self.conn.search_s(slapd.SUFFIX, ldap.SCOPE_SUBTREE, "(objectClass=*)", ["1.1"])
        except ldap.NO_SUCH_OBJECT:
            found = []
        for dn, _attrs in sorted(found, key=lambda e: -len(e[0])):
            self.conn.delete_s(dn)
        self.add(slapd.SUFFIX, objectClass=["dcObject", "organization"], o="Escala", dc="escala")
        self.add(PEOPLE, objectClass=["organizationalUnit"], ou="people")
        self.add(GROUPS, objectClass=["organizationalUnit"], ou="groups")
        self.add(
            SERVICE_DN,
            objectClass=["person", "simpleSecurityObject"],
            cn="escala",
            sn="service",
            userPassword=SERVICE_PASSWORD,
        )
        for uid, (given, sn, mail, password, _groups, uac) in ENTRIES.items():
            self.add_person(uid, given, sn, mail, password, uac)
        for name in GROUP_NAMES:
            members = [user_dn(uid) for uid, e in ENTRIES.items() if name in e[4]]
            # groupOfNames needs a member: the service account is in each, so none is ever empty.
            self.add(
                group_dn(name), objectClass=["groupOfNames"], cn=name, member=[*members, SERVICE_DN]
            )

    def add(self, dn: str, **attrs) -> None:
        import ldap.modlist

        values = {
            k: [x.encode() for x in (v if isinstance(v, list) else [v])] for k, v in attrs.items()
        }
        self.conn.add_s(dn, ldap.modlist.addModlist(values))

    def add_person(self, uid, given, sn, mail, password, uac=512) -> None:  # noqa: ANN001
        self.add(
            user_dn(uid),
            objectClass=["inetOrgPerson", "escalaTestAccount"],
            uid=uid,
            cn=f"{given} {sn}",
            givenName=given,
            sn=sn,
            mail=mail,
            userPassword=password,
            userAccountControl=str(uac),
        )

    def delete(self, uid: str) -> None:
        for name in GROUP_NAMES:
            self.remove_from_group(uid, name, missing_ok=True)
        self.conn.delete_s(user_dn(uid))

    def disable(self, uid: str) -> None:
        import ldap

        self.conn.modify_s(user_dn(uid), [(ldap.MOD_REPLACE, "userAccountControl", [b"514"])])

    def enable(self, uid: str) -> None:
        import ldap

        self.conn.modify_s(user_dn(uid), [(ldap.MOD_REPLACE, "userAccountControl", [b"512"])])

    def add_to_group(self, uid: str, name: str) -> None:
        import ldap

        self.conn.modify_s(group_dn(name), [(ldap.MOD_ADD, "member", [user_dn(uid).encode()])])

    def remove_from_group(self, uid: str, name: str, missing_ok: bool = False) -> None:
        import ldap

        try:
            self.conn.modify_s(
                group_dn(name), [(ldap.MOD_DELETE, "member", [user_dn(uid).encode()])]
            )
        except (ldap.NO_SUCH_ATTRIBUTE, ldap.OBJECT_CLASS_VIOLATION):
            if not missing_ok:
                raise


def ldap_env(uri: str, **extra: str) -> dict[str, str]:
    return {
        "ESCALA_LDAP_SERVER_URI": uri,
        "ESCALA_LDAP_BIND_DN": SERVICE_DN,
        "ESCALA_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "ESCALA_LDAP_USER_SEARCH_BASE": PEOPLE,
        "ESCALA_LDAP_GROUP_SEARCH_BASE": GROUPS,
        "ESCALA_LDAP_DISABLED_FILTER": "(userAccountControl:1.2.840.113556.1.4.803:=2)",
        "ESCALA_LDAP_TIMEOUT": "5",
        **extra,
    }


def use_ldap(settings, env: dict[str, str]) -> None:
    for name, value in ldap_settings(env).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        "escala.sso.directory.DirectoryBackend",
        *(b for b in settings.AUTHENTICATION_BACKENDS if not b.endswith("DirectoryBackend")),
    ]


@pytest.fixture
def directory(slapd_server):
    d = Directory(slapd_server)
    d.reset()
    yield d
    d.conn.unbind_s()


@pytest.fixture
def ldap_configured(settings, directory):
    use_ldap(settings, ldap_env(directory.uri))
    return directory
