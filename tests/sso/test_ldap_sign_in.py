"""Signing in against a real slapd: provisioning from groups and mail domains, refusals."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client

from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Agent, Organization, Requester
from escala.people.queries import agent_of
from escala.sso.choices import MappingSource, MatchKind, Source
from escala.sso.models import DirectoryAccount, DirectoryMapping

from .ldap_fixtures import PEOPLE, ldap_env, use_ldap, user_dn

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(internal_dept, teams):
    return {
        "finanzas": DirectoryMapping.objects.create(value="finanzas", organization=internal_dept),
        "service-desk": DirectoryMapping.objects.create(
            value="cn=service-desk,ou=groups,dc=escala,dc=test", team=teams["Service Desk"]
        ),
        "networks": DirectoryMapping.objects.create(
            source=MappingSource.LDAP, value="networks", team=teams["Networks"]
        ),
        "supervisors": DirectoryMapping.objects.create(
            value="supervisors", team=teams["Service Desk"], supervisor=True
        ),
    }


def sign_in(username: str, password: str):
    return authenticate(None, username=username, password=password)


def test_an_employee_in_a_mapped_group_becomes_a_requester_of_its_organization(
    ldap_configured, rules, internal_dept
):
    user = sign_in("marta", "marta-pass-1")
    assert user is not None
    assert (user.first_name, user.last_name, user.email) == (
        "Marta",
        "Gómez",
        "marta@finanzas.example",
    )
    requester = Requester.objects.get(user=user)
    assert requester.organization == internal_dept
    assert requester.kind == RequesterKind.EMPLOYEE
    assert not Agent.objects.filter(user=user).exists()
    account = DirectoryAccount.objects.get(user=user)
    assert account.source == Source.LDAP
    assert account.external_id == user_dn("marta")
    assert "cn=finanzas,ou=groups,dc=escala,dc=test" in account.groups
    assert not user.has_usable_password()


def test_the_mail_domain_maps_to_an_organization_without_a_group_rule(ldap_configured, db):
    org = Organization.objects.create(
        name="Otra", kind=OrganizationKind.CUSTOMER, email_domain="otra.example"
    )
    user = sign_in("nadie", "nadie-pass-1")
    assert Requester.objects.get(user=user).organization == org
    assert Requester.objects.get(user=user).kind == RequesterKind.CUSTOMER


def test_a_domain_rule_maps_the_domain(ldap_configured, internal_dept):
    DirectoryMapping.objects.create(
        match=MatchKind.EMAIL_DOMAIN, value="@OTRA.example", organization=internal_dept
    )
    assert DirectoryMapping.objects.get().value == "otra.example"
    user = sign_in("nadie", "nadie-pass-1")
    assert Requester.objects.get(user=user).organization == internal_dept


def test_agents_get_the_teams_and_tiers_of_their_groups(ldap_configured, rules, teams):
    lucia = sign_in("lucia", "lucia-pass-1")
    nuria = sign_in("nuria", "nuria-pass-1")
    assert list(lucia.agent.teams.all()) == [teams["Service Desk"]]
    assert [t.tier.level for t in Agent.objects.get(user=nuria).teams.all()] == [2]
    assert not Requester.objects.filter(user__in=[lucia, nuria]).exists()
    sara = sign_in("sara", "sara-pass-1")
    assert Agent.objects.get(user=sara).is_supervisor


def test_each_sign_in_reapplies_the_groups(ldap_configured, rules, teams):
    directory = ldap_configured
    lucia = sign_in("lucia", "lucia-pass-1")
    manual = teams["Databases"]  # no rule names it: set by hand, kept
    lucia.agent.teams.add(manual)
    directory.add_to_group("lucia", "networks")
    sign_in("lucia", "lucia-pass-1")
    assert set(Agent.objects.get(user=lucia).teams.all()) == {
        teams["Service Desk"],
        teams["Networks"],
        manual,
    }
    directory.remove_from_group("lucia", "service-desk")
    directory.remove_from_group("lucia", "networks")
    directory.add_to_group("lucia", "supervisors")
    sign_in("lucia", "lucia-pass-1")
    agent = Agent.objects.get(user=lucia)
    assert set(agent.teams.all()) == {teams["Service Desk"], manual}  # through supervisors
    assert agent.is_supervisor
    directory.remove_from_group("lucia", "supervisors")
    sign_in("lucia", "lucia-pass-1")
    agent = Agent.objects.get(user=lucia)
    assert set(agent.teams.all()) == {manual}
    assert not agent.is_supervisor


def test_an_agent_who_loses_every_team_group_is_no_longer_an_agent(ldap_configured, rules):
    directory = ldap_configured
    lucia = sign_in("lucia", "lucia-pass-1")
    directory.remove_from_group("lucia", "service-desk")
    directory.add_to_group("lucia", "finanzas")  # still an employee
    lucia = sign_in("lucia", "lucia-pass-1")
    agent = Agent.objects.get(user=lucia)
    assert list(agent.teams.all()) == []
    assert not agent.is_active
    assert agent_of(User.objects.select_related("agent").get(pk=lucia.pk)) is None
    client = Client()
    client.force_login(lucia)
    assert client.get("/desk/").status_code in (302, 403)
    directory.add_to_group("lucia", "service-desk")
    lucia = sign_in("lucia", "lucia-pass-1")
    assert Agent.objects.get(user=lucia).is_active


def test_an_agent_without_any_directory_place_left_is_refused(ldap_configured, rules):
    directory = ldap_configured
    sign_in("lucia", "lucia-pass-1")
    client = Client()
    client.force_login(User.objects.get(username="lucia"))
    directory.remove_from_group("lucia", "service-desk")
    assert sign_in("lucia", "lucia-pass-1") is None
    assert not User.objects.get(username="lucia").is_active
    assert client.get("/desk/").status_code == 302  # the open session ends too


def test_an_administrator_group_grants_and_withdraws_the_admin_flags(ldap_configured, rules):
    directory = ldap_configured
    DirectoryMapping.objects.create(value="supervisors", administrator=True)
    sara = sign_in("sara", "sara-pass-1")
    assert sara.is_superuser
    assert sara.is_staff
    directory.remove_from_group("sara", "supervisors")
    directory.add_to_group("sara", "service-desk")
    sara = sign_in("sara", "sara-pass-1")
    assert not sara.is_superuser
    assert not sara.is_staff


def test_a_domain_rule_cannot_make_anyone_an_agent(db, teams):
    from django.core.exceptions import ValidationError

    rule = DirectoryMapping(
        match=MatchKind.EMAIL_DOMAIN, value="escala.example", team=teams["Networks"]
    )
    with pytest.raises(ValidationError) as err:
        rule.full_clean()
    assert "match" in err.value.message_dict


def test_wrong_password_and_unknown_user_are_refused(ldap_configured, rules):
    assert sign_in("marta", "wrong") is None
    assert sign_in("marta", "") is None
    assert sign_in("nobody", "marta-pass-1") is None
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["*", "marta)(uid=*", "mar*", "marta\\00", "marta,ou=x"])
def test_filter_and_dn_injection_find_no_one(ldap_configured, rules, username):
    assert sign_in(username, "marta-pass-1") is None


def test_injection_through_a_dn_template_finds_no_one(settings, directory, rules):
    use_ldap(
        settings,
        ldap_env(directory.uri, ESCALA_LDAP_USER_DN_TEMPLATE=f"uid=%(user)s,{PEOPLE}"),
    )
    assert sign_in("marta,ou=people", "marta-pass-1") is None
    assert sign_in("marta", "marta-pass-1") is not None


def test_someone_no_rule_places_is_refused_and_leaves_no_login(ldap_configured, rules):
    client = Client()
    response = client.post("/accounts/login/", {"username": "nadie", "password": "nadie-pass-1"})
    assert response.status_code == 200
    assert "no tiene acceso a la mesa de ayuda" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="nadie").exists()


def test_a_disabled_entry_cannot_sign_in(ldap_configured, rules):
    assert sign_in("olvido", "olvido-pass-1") is None
    assert not User.objects.filter(username="olvido", is_active=True).exists()


def test_a_local_account_is_not_taken_over_by_a_directory_entry_of_its_name(ldap_configured, rules):
    local = User.objects.create_user("lucia", "lucia@local.example", "local-password-1")
    local.is_superuser = True
    local.save()
    assert sign_in("lucia", "lucia-pass-1") is None  # the directory's password
    assert sign_in("lucia", "local-password-1") == local  # the local one still works
    assert not DirectoryAccount.objects.exists()
    assert not Agent.objects.exists()


def test_adopting_local_accounts_is_a_setting(settings, directory, rules):
    use_ldap(settings, ldap_env(directory.uri, ESCALA_LDAP_ADOPT_LOCAL_USERS="true"))
    local = User.objects.create_user("lucia", "lucia@local.example", "local-password-1")
    assert sign_in("lucia", "lucia-pass-1") == local
    assert DirectoryAccount.objects.get(user=local).source == Source.LDAP


def test_the_login_page_signs_an_ldap_user_in(ldap_configured, rules):
    client = Client()
    response = client.post("/accounts/login/", {"username": "marta", "password": "marta-pass-1"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "escala.sso.directory.DirectoryBackend"
    assert client.get("/").status_code == 200


def test_an_unreachable_directory_refuses_without_error(settings, db, rules):
    use_ldap(settings, ldap_env("ldap://127.0.0.1:9", ESCALA_LDAP_TIMEOUT="1"))
    assert sign_in("marta", "marta-pass-1") is None


def test_a_domain_rule_saved_without_checks_still_grants_no_staff_role(ldap_configured, teams):
    DirectoryMapping.objects.create(
        match=MatchKind.EMAIL_DOMAIN,
        value="finanzas.example",
        team=teams["Networks"],
        administrator=True,
    )
    assert sign_in("marta", "marta-pass-1") is None  # no place: refused
    assert not Agent.objects.exists()
    assert not User.objects.filter(is_superuser=True).exists()
