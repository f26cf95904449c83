"""Memory of the SMTP listener when a mail over the size limit (and one just under it) arrives.

    .venv/bin/python bench/mail_size.py [--mb 61] [--limit-mb 25]

Starts `escala mail serve` on an ephemeral port against a fresh SQLite database, sends a mail of
--mb megabytes (refused: 552, nothing stored), then one of 90 % of the limit (accepted), and
prints the listener's resident memory (VmRSS) and peak (VmHWM) before and after each.
"""

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ESCALA = str(Path(sys.executable).with_name("escala"))


def _mail(size: int, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "ana@cliente.example"
    msg["To"] = "soporte@escala.example"
    msg["Subject"] = f"Adjunto grande {n}"
    msg["Message-ID"] = f"<size-{n}-{time.time()}@cliente.example>"
    msg.set_content("Adjunto el volcado.")
    msg.add_attachment(os.urandom(size * 3 // 4), maintype="application", subtype="zip",
                       filename="volcado.zip")  # fmt: skip
    return msg.as_bytes().replace(b"\n", b"\r\n")


def _memory(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return f"RSS {fields['VmRSS'].strip()}, peak {fields['VmHWM'].strip()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=61)
    parser.add_argument("--limit-mb", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/escala.sqlite3",
            "ESCALA_MAIL_MAX_RAW_BYTES": str(args.limit_mb * 1024 * 1024),
            "ESCALA_VAR_DIR": tmp,
        }
        subprocess.run([ESCALA, "migrate", "-v0"], env=env, check=True)
        server = subprocess.Popen([ESCALA, "mail", "serve", "--port", str(port)], env=env)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            print(f"listener idle: {_memory(server.pid)}")
            big = _mail(args.mb * 1024 * 1024, 1)
            with smtplib.SMTP("127.0.0.1", port, timeout=300) as smtp:
                smtp.ehlo()
                smtp.mail("ana@cliente.example")  # no SIZE: the whole mail is sent
                smtp.rcpt("soporte@escala.example")
                code, _msg = smtp.data(big)
            print(f"{len(big) / 2**20:.1f} MB mail: {code}; listener: {_memory(server.pid)}")
            del big
            fits = _mail(int(args.limit_mb * 1024 * 1024 * 0.9), 2)
            with smtplib.SMTP("127.0.0.1", port, timeout=300) as smtp:
                code = smtp.sendmail("ana@cliente.example", ["soporte@escala.example"], fits)
            print(
                f"{len(fits) / 2**20:.1f} MB mail: {code or 250}; listener: {_memory(server.pid)}"
            )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
