"""Synthetic but varied mail for the mail benchmarks: new requests from many senders, replies
quoting the ticket reference, HTML and attachments now and then, and some auto-replies.

As in a help desk in use, a reply comes from the requester of the ticket it answers and names
the mail that opened it (In-Reply-To and References, its Message-ID), so it is filed on that
ticket whatever number the ticket got: with several ingest processes the tickets are not
numbered in the corpus' order. `expected_replies` says which mail each reply answers (by
Message-ID), for the benchmark to check. The senders are many (`senders`), so most new requests
are the first of their sender within the acknowledgement window and get an acknowledgement,
the normal path."""

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
    requesters: list[tuple[str, str, str]] = []  # each new request's sender, Message-ID, subject
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
            sender, opened, original = requesters[number - 1]
            subject = f"Re: {original}"
            msg["In-Reply-To"] = opened
            msg["References"] = opened
        else:
            requesters.append((sender, _message_id(seed, i), subject))
        msg["From"] = f"Usuario {i} <{sender}>"
        msg["To"] = "soporte@escala.example"
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        msg["Message-ID"] = _message_id(seed, i)
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


def _message_id(seed: int, i: int) -> str:
    return f"<bench-{seed}-{i}@cliente.example>"


def expected_replies(paths: list[Path]) -> dict[str, str]:
    """Message-ID of each reply of the corpus -> Message-ID of the mail that opened its ticket
    (bare, as Escala stores them)."""
    from email.parser import BytesHeaderParser

    found = {}
    for path in paths:
        headers = BytesHeaderParser().parsebytes(path.read_bytes())
        if answered := headers.get("In-Reply-To"):
            found[headers["Message-ID"].strip("<>")] = answered.strip().strip("<>")
    return found
