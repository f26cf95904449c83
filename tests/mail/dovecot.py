"""A throwaway Dovecot IMAP server on 127.0.0.1, configured in a temporary directory."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
instance_name = escala-test-{port}
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )


def start(base: Path, port: int, user: str, password: str) -> subprocess.Popen:
    binary = dovecot_binary()
    assert binary, "dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)"
    base.chmod(0o755)  # dovecot's auth process runs as another user and must read `users`
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "users").write_text(f"{user}:{{PLAIN}}{password}\n")
    (base / "users").chmod(0o644)
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        # Dovecot never stores mail as root: use its own unprivileged account for the maildirs.
        import pwd

        account = pwd.getpwnam("dovenull")
        uid, gid = account.pw_uid, account.pw_gid
        for sub in ("mail", "home"):
            os.chown(base / sub, uid, gid)
    config = base / "dovecot.conf"
    config.write_text(CONFIG.format(base=base, port=port, uid=uid, gid=gid))
    process = subprocess.Popen(  # noqa: S603
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {output}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)  # waiting for a real server to start, not for test time
    process.kill()
    raise RuntimeError("dovecot did not start listening")
