"""Synthetic but varied mail for the mail benchmarks: new requests from many senders, replies
quoting the ticket reference, HTML and attachments now and then, and some auto-replies.

As in a help desk in use, a reply comes from the requester of the ticket it names (the n-th new
request of the corpus opens ticket n in an empty database), so it is filed on that ticket; and
the senders are many (`senders`), so most new requests are the first of their sender within the
acknowledgement window and get an acknowledgement, the normal path."""

import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

WORDS = [
    "impresora",
    "red",
    "vpn",
    "correo",
    "contraseña",
    "servidor",
    "lento",
    "error",
    "factura",
    "acceso",
    "wifi",
    "portátil",
    "pantalla",
    "cierre",
    "base",
    "datos",
    "informe",
    "usuario",
    "bloqueado",
    "disco",
    "copia",
    "seguridad",
    "licencia",
]


def write_corpus(
    folder: Path, count: int, *, seed: int = 7, senders: int = 50_000, sign=None
) -> list[Path]:
    """`sign(raw, domain) -> raw`: sign each mail (the DKIM benchmark), else written as is."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    requesters: list[str] = []  # the sender of each new request: ticket n's is [n - 1]
    for i in range(count):
        msg = EmailMessage()
        sender = f"user{rng.randrange(senders)}@cliente{rng.randrange(20)}.example"
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))).capitalize()
        kind = rng.random()
        if kind < 0.05:
            msg["Auto-Submitted"] = "auto-replied"
            subject = "Respuesta automática: " + subject
        elif kind < 0.35 and len(requesters) > 50:
            # A reply of a requester to their ticket (opened by an earlier mail of the run).
            number = rng.randint(1, len(requesters))
            sender = requesters[number - 1]
            subject = f"Re: [ESC-{number:06d}] {subject}"
        else:
            requesters.append(sender)
        msg["From"] = f"Usuario {i} <{sender}>"
        msg["To"] = "soporte@escala.example"
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        msg["Message-ID"] = f"<bench-{seed}-{i}@cliente.example>"
        body = "\n".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 15)))
            for _ in range(rng.randint(1, 8))
        )
        msg.set_content(body + "\n\n-- \nUsuario\n")
        if rng.random() < 0.3:
            msg.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
        if rng.random() < 0.1:
            msg.add_attachment(
                rng.randbytes(rng.randint(1000, 40000)),
                maintype="application",
                subtype="pdf",
                filename=f"doc{i}.pdf",
            )
        path = folder / f"{i:06d}.eml"
        raw = msg.as_bytes()
        path.write_bytes(sign(raw, sender.rpartition("@")[2]) if sign else raw)
        paths.append(path)
    return paths
