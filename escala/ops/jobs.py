"""The operations app's periodic jobs (run by `escala worker`)."""

from datetime import timedelta

from escala.core.periodic import periodic

from . import heartbeat


@periodic("ops.forget_stale_heartbeats", every=timedelta(hours=1))
def forget_stale_heartbeats(now) -> None:  # noqa: ANN001
    heartbeat.forget_stale()
