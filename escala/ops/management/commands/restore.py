"""`escala restore ARCHIVE [--force]`: put a backup back (see escala/ops/restore.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escala.ops.backup import BackupError
from escala.ops.restore import restore_backup


class Command(BaseCommand):
    help = (
        "Restore an `escala backup` archive into an empty database and file storage, then check "
        "every count and SHA-256 against its manifest. Stop the servers and workers first."
    )

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database or storage that already holds data (it is lost).",
        )

    def handle(self, *args, archive: Path, force: bool, **options) -> None:
        try:
            result = restore_backup(archive, force=force, log=self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{v} {k}" for k, v in result["manifest"]["counts"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive} ({counts}; {result['files']} files, "
                f"{result['raw_mails']} raw mails in storage), identical to the backup. "
                "Run `escala migrate` if this Escala is newer than the backup."
            )
        )
