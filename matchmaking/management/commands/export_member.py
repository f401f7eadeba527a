"""An operator answers a data request that arrives by other means than the member's own
settings page (a banned or suspended member cannot sign in to download their data)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matchmaking import selectors
from vouching.models import Member


class Command(BaseCommand):
    help = (
        "Write everything Pledge holds about a member into a ZIP file: the same download "
        "members get from their settings (JSON and photos)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", required=True, help="Where to write the ZIP file.")

    def handle(self, *args, email, output, **options):
        member = Member.objects.filter(email=email.strip().lower()).first()
        if member is None:
            raise CommandError(f"No member has the email address {email}.")
        path = Path(output)
        if path.exists():
            raise CommandError(f"{path} exists already; choose another file.")
        with path.open("xb") as file:
            selectors.member_export(member=member, file=file)
        path.chmod(0o600)  # personal data: readable by the operator only
        self.stdout.write(self.style.SUCCESS(f"{member.email}'s data written to {path}."))
