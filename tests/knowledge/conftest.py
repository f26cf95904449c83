"""Knowledge-base fixtures: articles written and published through the actions."""

import pytest

from escala.knowledge.actions import create_article, publish_article, submit_for_review
from escala.knowledge.choices import Visibility


def published_article(author, reviewer, *, es, en, visibility=Visibility.PUBLIC, **kwargs):
    article = create_article(
        by=author.user, texts={"es": es, "en": en}, visibility=visibility, **kwargs
    )
    submit_for_review(article=article, by=author.user)
    return publish_article(article=article, by=reviewer.user)


@pytest.fixture
def vpn_article(l1_agent, l2_network_agent, categories):
    return published_article(
        l1_agent,
        l2_network_agent,
        category=categories["connectivity"],
        es=(
            "Cómo conectarse a la VPN desde casa",
            "## Pasos\n\n1. Abre el **cliente VPN**.\n2. Escribe tu usuario y contraseña.\n",
        ),
        en=(
            "How to connect to the VPN from home",
            "## Steps\n\n1. Open the **VPN client**.\n2. Type your user name and password.\n",
        ),
    )


@pytest.fixture
def printer_article(l1_agent, l2_network_agent):
    return published_article(
        l1_agent,
        l2_network_agent,
        es=(
            "La impresora de la planta no imprime",
            "Apaga la impresora, espera diez segundos y vuelve a encenderla.",
        ),
        en=(
            "The floor printer does not print",
            "Switch the printer off, wait ten seconds and switch it on again.",
        ),
    )


@pytest.fixture
def internal_erp_article(l3_engineer, supervisor):
    return published_article(
        l3_engineer,
        supervisor,
        visibility=Visibility.INTERNAL,
        es=(
            "Error FI-CLOSE-7781 en el cierre de mes",
            "Aplicar el parche del proveedor y relanzar el cierre.",
        ),
        en=(
            "Error FI-CLOSE-7781 in the month-end close",
            "Apply the vendor's patch and run the close again.",
        ),
    )


@pytest.fixture
def vpn_outage_resolved_at_l3(employee, l1_agent, l3_engineer, tiers, teams, categories):
    """A VPN problem Level 1 could not solve, resolved by Level 3 Engineering."""
    from escala.tickets.actions import escalate_ticket, resolve_ticket
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(
        employee,
        category=categories["connectivity"],
        subject="La VPN se desconecta cada diez minutos",
        body="Trabajando desde casa, la VPN se cae cada diez minutos y pierdo la sesión.",
    )
    escalate_ticket(
        ticket=ticket,
        by=l1_agent.user,
        reason="Fuera de nuestro alcance",
        handover="Reinstalado el cliente VPN, sigue igual.",
        to_tier=tiers[3],
        to_team=teams["Engineering"],
    )
    return resolve_ticket(
        ticket=ticket,
        by=l3_engineer.user,
        summary="El tiempo de inactividad del concentrador VPN era de 10 minutos; "
        "subido a 8 horas. Reconectar el cliente VPN.",
    )
