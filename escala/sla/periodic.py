from datetime import datetime, timedelta

from escala.core.periodic import periodic


@periodic("sla.sweep", every=timedelta(minutes=1))
def sla_sweep(now: datetime) -> None:
    from .sweep import sweep

    sweep(now)
