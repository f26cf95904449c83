"""A throwaway OpenLDAP server (Debian's slapd) on 127.0.0.1, configured in a temporary directory.

slapd.conf style configuration, an mdb database, run in the foreground (-d 0) as the current user;
a tiny schema adds Active Directory's userAccountControl so the disabled-account filter
(integerBitAndMatch) is tested as Active Directory uses it."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SUFFIX = "dc=escala,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-admin-secret"
SLAPD = "/usr/sbin/slapd"

AD_SCHEMA = """
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.1.1 NAME 'escalaTestAccount' AUXILIARY MAY userAccountControl )
"""

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {base}/ad.schema
pidfile {base}/slapd.pid
argsfile {base}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {base}/data
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by users read by * none
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return os.path.exists(SLAPD) and shutil.which("ldapadd") is not None


def start(base: Path) -> tuple[subprocess.Popen, str]:
    assert available(), "slapd is not installed (apt-get install slapd ldap-utils; .ci/run does it)"
    (base / "data").mkdir(parents=True, exist_ok=True)
    (base / "ad.schema").write_text(AD_SCHEMA)
    config = base / "slapd.conf"
    config.write_text(
        CONFIG.format(base=base, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD)
    )
    for _attempt in range(5):
        port = free_port()
        uri = f"ldap://127.0.0.1:{port}"
        log = open(base / "slapd.log", "wb")  # noqa: SIM115 (kept open for the process)
        process = subprocess.Popen(  # noqa: S603
            [SLAPD, "-f", str(config), "-h", f"{uri}/", "-d", "0"], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return process, uri
            except OSError:
                time.sleep(0.05)  # waiting for a real server to start, not for test time
        if process.poll() is None:
            process.kill()
        process.wait()
    raise RuntimeError(f"slapd did not start: {(base / 'slapd.log').read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
