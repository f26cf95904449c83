from escala.tickets.actions import create_ticket
from escala.tickets.choices import Channel

_DESK_FIELDS = {"impact", "urgency", "time_spent"}


def open_ticket(
    requester,
    *,
    category=None,
    subject="No puedo entrar al correo",
    body="Olvidé mi contraseña.",
    channel=Channel.PORTAL,
    by=None,
    **kwargs,
):
    return create_ticket(
        requester=requester,
        subject=subject,
        body=body,
        channel=channel,
        # Impact and urgency are the desk's (tickets.requester_fields): set by the system then.
        by=by if by is not None else (None if _DESK_FIELDS & kwargs.keys() else requester.user),
        category=category,
        **kwargs,
    )
