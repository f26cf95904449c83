"""desk.labels: the few-row tables' names kept in memory, renewed whenever the tables change."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from escala.desk import labels
from escala.desk.models import LabelsStamp
from escala.people.models import Agent, Organization
from escala.tickets.models import Ticket
from escala.tiers.models import Category, Team, Vendor
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def stamp() -> int | None:
    return LabelsStamp.objects.values_list("stamp", flat=True).first()


@pytest.mark.parametrize(
    "change",
    [
        # Bulk updates and deletes send no signal; the triggers see them all the same.
        lambda: Team.objects.filter(name="Networks").update(name="Nets"),
        lambda: Category.objects.filter(code="password-reset").update(name_en="Passwords"),
        lambda: Organization.objects.create(name="New customer"),
        lambda: Vendor.objects.create(name="New vendor", support_email="v@example.com"),
        lambda: Team.objects.filter(name="Engineering").delete(),
        lambda: get_user_model().objects.filter(username="lucia").update(first_name="Anita"),
        lambda: Agent.objects.filter(user__username="lucia").delete(),
    ],
)
def test_any_change_to_a_named_table_changes_the_stamp(change, l1_agent, categories, employee):
    before = stamp()
    change()
    assert stamp() != before


def test_work_that_names_nothing_leaves_the_stamp(l1_agent, employee, categories):
    before = stamp()
    Agent.objects.filter(pk=l1_agent.pk).update(is_away=True)
    user = l1_agent.user
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    open_ticket(employee, category=categories["password"], subject="A ticket")
    assert stamp() == before


def test_the_labels_are_read_once_per_stamp_and_language(
    django_assert_num_queries, l1_agent, teams
):
    labels.labels()
    with django_assert_num_queries(1):  # the stamp only
        assert labels.labels().teams[teams["Service Desk"].pk] == "Service Desk"
    with translation.override("es"):
        spanish = labels.labels()
    Team.objects.filter(pk=teams["Service Desk"].pk).update(name="Mesa de ayuda")
    assert labels.labels().teams[teams["Service Desk"].pk] == "Mesa de ayuda"
    with translation.override("es"):
        assert labels.labels() is not spanish


def test_a_renamed_category_shows_on_the_queue_at_once(
    login, frozen_clock, supervisor, employee, categories
):
    open_ticket(employee, category=categories["password"], subject="Locked out")
    client = login(supervisor.user)
    assert "Password reset" in client.get(reverse("desk:queue"), {"queue": "all"}).text
    Category.objects.filter(pk=categories["password"].pk).update(name_en="Passwords")
    page = client.get(reverse("desk:queue"), {"queue": "all"}).text
    assert "Passwords" in page
    assert "Password reset" not in page


def test_a_row_naming_a_team_unknown_to_the_labels_reads_them_again(
    login, frozen_clock, supervisor, employee, categories, tiers, monkeypatch
):
    client = login(supervisor.user)
    client.get(reverse("desk:queue"), {"queue": "all"})  # the labels are in memory
    stale = labels.labels()
    team = Team.objects.create(name="Brand new team", tier=tiers[1])
    ticket = open_ticket(employee, category=categories["password"], subject="New team's")
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    # As if the labels had been read just before the team was created.
    monkeypatch.setattr(labels, "_read_stamp", lambda: 42)
    labels._cache[(42, "en")] = stale

    page = client.get(reverse("desk:queue"), {"queue": "all"}).text

    assert "Brand new team" in page


def test_the_ticket_page_offers_active_rows_only_and_sees_changes_at_once(
    login, frozen_clock, supervisor, employee, categories, vendor
):
    ticket = open_ticket(employee, category=categories["password"], subject="Printer")
    client = login(supervisor.user)
    url = reverse("desk:ticket", args=[ticket.pk])
    page = client.get(url).text
    assert ">ERP Vendor S.A.</option>" in page
    assert ">ERP</option>" in page
    Category.objects.filter(code="erp").update(is_active=False)
    Vendor.objects.create(name="Fibre Works", support_email="noc@fibre.example")
    page = client.get(url).text
    assert ">ERP</option>" not in page
    assert ">Fibre Works</option>" in page
