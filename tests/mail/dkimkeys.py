"""Real DKIM keys made in the test, a fake DNS that publishes them, and signing with dkimpy.

Nothing is mocked but the name server: the signatures are real RSA signatures and Escala
verifies them with the same code it runs in production (escala.mail.authn)."""

from __future__ import annotations

import functools

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNED_HEADERS = [b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to"]


@functools.cache
def keypair(name: str = "default") -> tuple[bytes, str]:
    """(private key PEM, public key base64 for the DNS record); made once per test run."""
    # 1024 bits (the least DKIM accepts) keeps the tests fast; production keys are larger.
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    return private, base64.b64encode(public).decode()


class FakeDNS:
    """TXT records by name; counts the look-ups (to show the cache works)."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        self.down = False

    def __call__(self, name: str) -> list[str] | None:
        from escala.mail.authn import DnsTempError

        self.lookups.append(name)
        if self.down:
            raise DnsTempError("fake DNS is down")
        return self.records.get(name.rstrip(".").lower())

    def publish_key(self, domain: str, selector: str = "sel", key: str = "default") -> bytes:
        private, public = keypair(key)
        self.records[f"{selector}._domainkey.{domain}".lower()] = [f"v=DKIM1; k=rsa; p={public}"]
        return private

    def publish_dmarc(self, domain: str, policy: str = "reject", extra: str = "") -> None:
        self.records[f"_dmarc.{domain}".lower()] = [f"v=DMARC1; p={policy}; {extra}".strip()]


def sign(raw: bytes, domain: str, *, dns: FakeDNS, selector: str = "sel", key: str = "default"):
    """The mail with a real DKIM signature of `domain` (its key published in `dns`)."""
    private = dns.publish_key(domain, selector, key)
    return sign_with(raw, domain, private, selector=selector)


def sign_with(raw: bytes, domain: str, private: bytes, *, selector: str = "sel") -> bytes:
    """Signed with a given key, whatever the DNS publishes (a forger's own key)."""
    present = [h for h in SIGNED_HEADERS if h + b":" in raw.lower()]
    signature = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        private,
        include_headers=present,
    )
    return signature + raw
