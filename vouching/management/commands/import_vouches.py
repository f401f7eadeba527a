from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vouching.management.progress import Progress
from vouching.services.imports import BATCH, vouch_tables_settle, vouches_import


def capacities_arg(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        message = f"--capacities takes whole numbers separated by commas: {text}"
        raise CommandError(message) from None
    if not values or any(v < 1 for v in values):
        raise CommandError("--capacities needs at least one capacity, each at least 1.")
    return values


class Command(BaseCommand):
    help = (
        "Import an existing community's vouch network from CSV lines "
        "'voucher,vouchee[,strength]' (strength 1-3 or Apprentice/Journeyer/Master; names "
        "may contain spaces; blank and # lines ignored). Unknown names become placeholder "
        "members who can claim their account later (manage.py claim_member)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--founders", nargs="+", default=[], metavar="NAME")
        parser.add_argument(
            "--capacities",
            help="Fixed Advogato capacities by distance from the founders, e.g. "
            "800,200,50,12,4,2,1 (default: capacities that grow with membership).",
        )

    def handle(self, *args, file: Path, founders, capacities, **options):
        caps = capacities_arg(capacities) if capacities else None
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        bars: list[Progress] = []

        def progress(label, total):
            if bars:
                bars[-1].close()
            bars.append(Progress(f"Importing {label}", total, self.stderr._out))
            return bars[-1].advance

        summary = vouches_import(
            lines=text.splitlines(), founders=founders, capacities=caps, progress=progress
        )
        if bars:
            bars[-1].close()
        if summary.vouches > BATCH and vouch_tables_settle():
            self.stdout.write("Vacuumed and analysed the member and vouch tables.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary.vouches:,} vouches; {summary.members_created:,} new "
                f"placeholder members."
            )
        )
        self.stdout.write(
            f"Read {summary.lines:,} lines: {summary.ignored:,} blank or comment, "
            f"{summary.self_vouches:,} self-vouches skipped, {summary.repeated:,} repeated "
            f"pairs skipped, {summary.already_present:,} already present, "
            f"{summary.malformed:,} malformed."
        )
        for example in summary.malformed_examples:
            self.stdout.write(f"  malformed {example}")
        if summary.founders:
            self.stdout.write("Founders: " + ", ".join(summary.founders))
        if caps:
            self.stdout.write("Capacities: " + ",".join(map(str, caps)))
        self.stdout.write("Run manage.py recalculate_trust to compute standing now.")
