from datetime import datetime, timedelta

from escala.core.periodic import periodic


@periodic("desk.forget_stale_presence", every=timedelta(hours=1))
def forget_stale_presence(now: datetime) -> None:
    from .presence import forget_stale

    forget_stale()
