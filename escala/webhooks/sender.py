"""One HTTP POST to an address already checked: the connection goes to that IP (so a DNS answer
that changes between the check and the call cannot redirect it), redirects are not followed."""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from .targets import parse

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 4096


@dataclass
class Result:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        self._escala_context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._escala_context)
        self._ip = ip

    def connect(self) -> None:
        raw = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._escala_context.wrap_socket(raw, server_hostname=self.host)


def post(url: str, ip: str, body: bytes, headers: dict[str, str]) -> Result:
    scheme, host, port = parse(url)
    parts = url.split("://", 1)[1]
    path = "/" + parts.split("/", 1)[1] if "/" in parts else "/"
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    started = time.monotonic()
    conn = cls(host, port, ip, TIMEOUT_SECONDS)
    try:
        conn.request("POST", path.split("#", 1)[0], body=body, headers=headers)
        response = conn.getresponse()
        excerpt = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")[:500]
        status, error = response.status, ""
    except (OSError, http.client.HTTPException) as exc:
        status, error, excerpt = None, f"{type(exc).__name__}: {exc}"[:500], ""
    finally:
        conn.close()
    return Result(status, error, excerpt, int((time.monotonic() - started) * 1000))
