"""`escala privacy export|erase|retention`: data protection from the command line."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from escala.core import clock
from escala.core.errors import DomainError
from escala.people.models import Requester
from escala.privacy.actions import erase_requester
from escala.privacy.export import export_requester
from escala.privacy.retention import apply_retention


def find_requester(value: str) -> Requester:
    query = Q(email__iexact=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    found = list(Requester.objects.filter(query)[:2])
    if not found:
        raise CommandError(f"No requester with id or email {value!r}.")
    if len(found) > 1:
        raise CommandError(f"Several requesters have the email {value!r}: give the id.")
    return found[0]


class Command(BaseCommand):
    help = "Data protection (GDPR/LOPDGDD): export or erase a requester; apply retention."

    def add_arguments(self, parser):  # noqa: ANN001
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Everything about a requester, as a zip.")
        export.add_argument("requester", help="Requester id or email.")
        export.add_argument("--output", type=Path, required=True)
        export.add_argument("--reason", default="", help="e.g. the access request's reference")
        erase = sub.add_parser("erase", help="Erase a requester's personal data.")
        erase.add_argument("requester", help="Requester id or email.")
        erase.add_argument("--reason", required=True, help="e.g. the erasure request's reference")
        erase.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        retention = sub.add_parser("retention", help="Apply the retention policy now.")
        retention.add_argument("--dry-run", action="store_true", help="Only count.")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    def _export(self, *, requester: str, output: Path, reason: str, **_options) -> None:
        person = find_requester(requester)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with partial.open("wb") as out:
            summary = export_requester(requester=person, by=None, out=out, reason=reason)
        partial.chmod(0o600)
        partial.replace(output)
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported requester {person.pk} to {output}: {summary['tickets']} tickets, "
                f"{summary['files']} files, {summary['raw_mails']} raw mails."
            )
        )

    def _erase(self, *, requester: str, reason: str, yes: bool, **_options) -> None:
        person = find_requester(requester)
        if not yes:
            answer = input(f"Erase the personal data of {person.name} <{person.email}>? [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "s", "si", "sí"):
                raise CommandError("Nothing erased.")
        done = erase_requester(requester=person, by=None, reason=reason)
        details = ", ".join(f"{k}: {v}" for k, v in done.details.items())
        self.stdout.write(self.style.SUCCESS(f"Requester {person.pk} erased ({details})."))

    def _retention(self, *, dry_run: bool, **_options) -> None:
        now: datetime = clock.now()
        result = apply_retention(now, dry_run=dry_run)
        if result["days"] <= 0:
            self.stdout.write("No retention policy (ESCALA_RETENTION_DAYS is 0).")
            return
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{result['tickets']} closed tickets older than {result['days']} days {verb} "
            f"{result['action']}d."
        )
