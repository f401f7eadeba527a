"""An operator closes an account on the member's request made by other means (by email,
or from a banned or suspended member who cannot sign in): the same closing as the
member's own, from vouches withdrawn to the pseudonymised moderation log."""

from django.core.management.base import BaseCommand, CommandError

from matchmaking import services
from vouching.models import Member


class Command(BaseCommand):
    help = (
        "Close a member's account as they would themselves: photos and conversations "
        "deleted, vouches they gave withdrawn, the moderation log kept under a pseudonym. "
        "It cannot be undone: pass --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="Confirm: this is final.")

    def handle(self, *args, email, yes, **options):
        member = Member.objects.filter(email=email.strip().lower()).first()
        if member is None:
            raise CommandError(f"No member has the email address {email}.")
        if not yes:
            raise CommandError(f"Closing {member.email}'s account is final: add --yes.")
        if not services.account_close(member=member):
            raise CommandError(f"{member.email}'s account was closed meanwhile.")
        self.stdout.write(self.style.SUCCESS(f"{member.email}'s account is closed."))
