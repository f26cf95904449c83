from escala.tickets.actions import create_ticket
from escala.tickets.choices import Channel


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
        by=by if by is not None else requester.user,
        category=category,
        **kwargs,
    )
