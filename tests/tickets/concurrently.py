"""Two threads at once, as two workers run: for the exactly-once tests."""

import threading
from collections.abc import Callable

from django.db import connection

from escala.tickets import events


def in_two_threads(work: Callable[[], object]) -> list[BaseException]:
    """Run `work` in two threads that start together, each on its own database connection; the
    errors they met (the tests assert there were none)."""
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait(timeout=30)
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def relay_in_two_threads(*, limit: int) -> list[BaseException]:
    """Two relays relay batches of `limit` until nothing is left."""

    def relay() -> None:
        while events.relay(limit=limit):
            pass

    return in_two_threads(relay)
