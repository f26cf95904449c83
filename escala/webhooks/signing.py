"""HMAC-SHA256 over "<timestamp>.<body>": receivers check it and refuse stale timestamps.

Headers: X-Escala-Timestamp (Unix seconds) and X-Escala-Signature ("v1=<hex digest>").
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Escala-Signature"
TIMESTAMP_HEADER = "X-Escala-Timestamp"
EVENT_HEADER = "X-Escala-Event"
DELIVERY_HEADER = "X-Escala-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(
    secret: str, timestamp: int, body: bytes, received: str, *, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does (and what the tests do)."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), received)
