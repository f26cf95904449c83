"""Two relays at once, as two workers run them: for the exactly-once tests."""

import threading

from django.db import connection

from escala.tickets import events


def relay_in_two_threads(*, limit: int) -> list[BaseException]:
    """Two threads start together and relay batches of `limit` until nothing is left; the
    errors they met (the tests assert there were none)."""
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work() -> None:
        try:
            start.wait(timeout=30)
            while events.relay(limit=limit):
                pass
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors
