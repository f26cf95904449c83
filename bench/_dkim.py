"""DKIM for the mail benchmark: a 2048-bit RSA key per sender domain, its DNS records (the key
and a DMARC p=reject policy), and signing with dkimpy. dkimpy's pure-Python private-key step
is swapped for the `cryptography` library's while the corpus is written (the same signature,
some 30 times faster); Escala's verification in the measured worker is dkimpy's own."""

from __future__ import annotations

import base64

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

SELECTOR = b"bench"
HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]


class Signer:
    def __init__(self, domains: list[str]) -> None:
        self.pems: dict[str, bytes] = {}
        self.by_modulus: dict[int, rsa.RSAPrivateKey] = {}
        self.records: dict[str, list[str]] = {}
        for domain in domains:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.by_modulus[key.private_numbers().public_numbers.n] = key
            self.pems[domain] = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            public = key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            self.records[f"bench._domainkey.{domain}"] = [
                "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()
            ]
            self.records[f"_dmarc.{domain}"] = ["v=DMARC1; p=reject"]
        dkim.RSASSA_PKCS1_v1_5_sign = self._fast_sign  # what dkim.sign calls

    def _fast_sign(self, digest, private_key) -> bytes:  # noqa: ANN001
        key = self.by_modulus[private_key["modulus"]]
        return key.sign(digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

    def __call__(self, raw: bytes, domain: str) -> bytes:
        return (
            dkim.sign(raw, SELECTOR, domain.encode(), self.pems[domain], include_headers=HEADERS)
            + raw
        )
