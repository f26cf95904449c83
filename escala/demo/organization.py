"""Builds (idempotently) the demo organization: teams, categories, vendors, people, logins."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Agent, Organization, Requester
from escala.tiers.models import Category, Specialty, SupportTier, Team, Vendor

from . import content
from .logins import demo_password

User = get_user_model()


@dataclass
class DemoOrg:
    tiers: dict[int, SupportTier]
    teams: dict[str, Team]
    categories: list[Category]
    vendors: list[Vendor]
    agents_by_team: dict[int, list[Agent]]
    requesters: list[Requester] = field(default_factory=list)
    team_specialties: dict[int, set[int]] = field(default_factory=dict)

    def team_for(self, category: Category, tier: SupportTier) -> Team:
        """Like tiers.queries.team_for, from memory: the demo asks it a million times."""
        at_tier = [t for t in self.teams.values() if t.tier_id == tier.pk]
        for team in at_tier:
            if category.specialty_id in self.team_specialties.get(team.pk, set()):
                return team
        return at_tier[0]


def _user(username: str, first: str, last: str, email: str, password: str, **extra) -> object:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": email, **extra},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def build_organization(*, requesters: int = 150) -> DemoOrg:
    password = demo_password()
    tiers = {t.level: t for t in SupportTier.objects.all()}
    specialties = {s.code: s for s in Specialty.objects.all()}

    teams = {}
    for name, level, specs in content.TEAMS:
        team, _ = Team.objects.get_or_create(
            name=name, defaults={"tier": tiers[level], "name_es": content.TEAM_NAMES_ES[name]}
        )
        team.specialties.add(*(specialties[s] for s in specs))
        teams[name] = team

    categories = []
    for code, en, es, level, team_name, spec in content.CATEGORIES:
        category, _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_es": es,
                "tier": tiers[level],
                "team": teams[team_name],
                "specialty": specialties[spec],
            },
        )
        categories.append(category)

    vendors = []
    for name, email, contract, resp_h, res_d, specs in content.VENDORS:
        vendor, _ = Vendor.objects.get_or_create(
            name=name,
            defaults={
                "support_email": email,
                "contract_reference": contract,
                "response_time": timedelta(hours=resp_h),
                "resolution_time": timedelta(days=res_d),
            },
        )
        vendor.specialties.add(*(specialties[s] for s in specs))
        vendors.append(vendor)

    _user(
        "admin",
        "Admin",
        "Escala",
        "admin@telco.example",
        password,
        is_staff=True,
        is_superuser=True,
    )
    agents_by_team: dict[int, list[Agent]] = {t.pk: [] for t in teams.values()}
    for username, first, last, team_names, supervisor in content.AGENTS:
        user = _user(username, first, last, f"{username}@telco.example", password)
        agent, _ = Agent.objects.get_or_create(user=user, defaults={"is_supervisor": supervisor})
        agent.teams.add(*(teams[n] for n in team_names))
        for n in team_names:
            agents_by_team[teams[n].pk].append(agent)

    orgs = []
    for name, domain in content.DEPARTMENTS:
        org, _ = Organization.objects.get_or_create(
            name=name, defaults={"kind": OrganizationKind.DEPARTMENT, "email_domain": domain}
        )
        orgs.append(org)
    for name, domain in content.CUSTOMERS:
        org, _ = Organization.objects.get_or_create(
            name=name, defaults={"kind": OrganizationKind.CUSTOMER, "email_domain": domain}
        )
        orgs.append(org)
    by_name = {o.name: o for o in orgs}

    # The three requesters with logins, named in SCENARIOS.md's journeys.
    named = [
        ("marta", "Marta", "Gómez", "Finanzas", RequesterKind.EMPLOYEE, False, "es"),
        ("john", "John", "Smith", "Fibra Rápida S.L.", RequesterKind.CUSTOMER, False, "en"),
        ("carlos", "Carlos", "Navarro", "Fibra Rápida S.L.", RequesterKind.CUSTOMER, True, "es"),
    ]
    people = []
    for username, first, last, org_name, kind, manager, lang in named:
        org = by_name[org_name]
        email = f"{username}@{org.email_domain}"
        user = _user(username, first, last, email, password)
        requester, _ = Requester.objects.get_or_create(
            email=email,
            defaults={
                "user": user,
                "name": f"{first} {last}",
                "kind": kind,
                "organization": org,
                "is_manager": manager,
                "language": lang,
            },
        )
        people.append(requester)

    existing = Requester.objects.count()
    new = []
    for i in range(existing, requesters):
        first = content.FIRST_NAMES[i % len(content.FIRST_NAMES)]
        last = content.LAST_NAMES[(i * 7) % len(content.LAST_NAMES)]
        org = orgs[i % len(orgs)]
        kind = (
            RequesterKind.EMPLOYEE
            if org.kind == OrganizationKind.DEPARTMENT
            else RequesterKind.CUSTOMER
        )
        english = first in {
            "John",
            "Emma",
            "Oliver",
            "Grace",
            "Thomas",
            "Chloe",
            "James",
            "Amelia",
            "Henry",
            "Olivia",
        }
        new.append(
            Requester(
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}.{i}@{org.email_domain}",
                kind=kind,
                organization=org,
                language="en" if english else "es",
            )
        )
    Requester.objects.bulk_create(new, batch_size=1000)
    return DemoOrg(
        tiers=tiers,
        teams=teams,
        categories=categories,
        vendors=vendors,
        agents_by_team=agents_by_team,
        requesters=list(Requester.objects.select_related("organization")),
        team_specialties={
            t.pk: set(t.specialties.values_list("pk", flat=True)) for t in teams.values()
        },
    )
