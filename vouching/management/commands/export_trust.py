from pathlib import Path

from django.core.management.base import BaseCommand

from vouching.management.progress import Progress
from vouching.models import Member
from vouching.services.imports import trust_export


class Command(BaseCommand):
    help = "Write every member's trust as CSV: name,level,score,standing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Where to write; - for standard output.")

    def handle(self, *args, file: Path, **options):
        total = Member.objects.count()
        with Progress("Exporting members", total, self.stderr._out) as bar:
            if str(file) == "-":
                count = trust_export(stream=self.stdout._out, advance=bar.advance)
            else:
                with file.open("w", newline="", encoding="utf-8") as stream:
                    count = trust_export(stream=stream, advance=bar.advance)
        if str(file) != "-":
            self.stdout.write(self.style.SUCCESS(f"Wrote {count:,} members to {file}."))
