from django.core.management.base import BaseCommand, CommandError

from vouching import services
from vouching.models import Member


class Command(BaseCommand):
    help = (
        "Make a member a moderator (or, with --remove, no longer one). Moderators must set "
        "up a second factor before the console opens to them."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args, email, remove, **options):
        member = Member.objects.filter(email=email.strip().lower()).first()
        if member is None:
            raise CommandError(f"No member has the email address {email}.")
        services.moderator_grant(member=member, remove=remove)
        verb = "is no longer" if remove else "is now"
        self.stdout.write(self.style.SUCCESS(f"{member.email} {verb} a moderator."))
