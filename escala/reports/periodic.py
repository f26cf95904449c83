from datetime import datetime, timedelta

from escala.core.periodic import periodic


@periodic("reports.refresh_stale_days", every=timedelta(minutes=1))
def refresh_stale_days(now: datetime) -> None:
    from .rollups import refresh_stale

    refresh_stale()
