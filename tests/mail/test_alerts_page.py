"""The admins' mail alerts page: reachable from the console's Mail link, closed to agents."""

import pytest

from escala.mail import alerts
from escala.mail.choices import AlertKind
from escala.mail.models import MailAlert

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert():
    alerts.raise_alert(kind=AlertKind.ACK_DOMAIN, key="Flood.Example", detail="caída")
    alerts.raise_alert(kind=AlertKind.ACK_DOMAIN, key="flood.example", detail="otra")
    return MailAlert.objects.get()


def test_one_open_alert_per_kind_and_key_counts_on(alert):
    assert (alert.key, alert.count, alert.detail) == ("flood.example", 2, "otra")


def test_an_admin_sees_the_badge_and_the_alert(client, l1_agent, alert):
    l1_agent.user.is_superuser = True
    l1_agent.user.save(update_fields=["is_superuser"])
    client.force_login(l1_agent.user)
    desk = client.get("/desk/").content.decode()
    assert "/desk/mail/" in desk
    assert "1 alert" in desk or "1 alerta" in desk
    page = client.get("/desk/mail/alerts/").content.decode()
    assert "flood.example" in page


def test_an_agent_gets_no_badge_and_no_alerts_page(client, l1_agent, alert):
    client.force_login(l1_agent.user)
    desk = client.get("/desk/").content.decode()
    assert "/desk/mail/" in desk  # the quarantine is every agent's
    assert "1 alert" not in desk
    assert "1 alerta" not in desk
    assert client.get("/desk/mail/alerts/").status_code == 403
    assert client.post(f"/desk/mail/alerts/{alert.pk}/resolve/").status_code == 403
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_a_handled_alert_opens_anew_on_the_next_occurrence(client, l1_agent, alert):
    l1_agent.user.is_superuser = True
    l1_agent.user.save(update_fields=["is_superuser"])
    client.force_login(l1_agent.user)
    client.post(f"/desk/mail/alerts/{alert.pk}/resolve/")
    alerts.raise_alert(kind=AlertKind.ACK_DOMAIN, key="flood.example")
    assert MailAlert.objects.filter(resolved_at__isnull=True).count() == 1
    assert MailAlert.objects.count() == 2
