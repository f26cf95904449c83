"""`escala backup [--output PATH]`: one consistent archive (see escala/ops/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escala.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write one consistent archive of the database, the attachments and the raw mail, with a "
        "manifest of SHA-256 hashes. Safe while the site and the worker are running."
    )

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument(
            "--output", type=Path, help="Archive path (default: var/backups/escala-<time>.tar)."
        )

    def handle(self, *args, output: Path | None, **options) -> None:
        try:
            manifest = create_backup(output, log=self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{v} {k}" for k, v in manifest["counts"].items())
        for name in manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(f"Missing from the storage already: {name}"))
        for pk in manifest["damaged_raw_mail"]:
            self.stderr.write(
                self.style.WARNING(f"Raw mail {pk} in storage does not match its SHA-256: damaged")
            )
        self.stdout.write(self.style.SUCCESS(f"Backup written to {manifest['path']} ({counts})"))
