import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vouching import services
from vouching.models import Member


class Command(BaseCommand):
    help = (
        "Create a founder, a seed of Pledge's trust. Prompts for a password, or with "
        "--link prints a one-time link where the founder sets it."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", dest="display_name", help="Display name (asked if absent).")
        parser.add_argument(
            "--link",
            action="store_true",
            help="Print a one-time link to set the password instead of prompting for one.",
        )

    def handle(self, *args, email, display_name, link, **options):
        interactive = options.get("interactive", True) and not link
        if not display_name:
            if not interactive and link:
                display_name = email.split("@")[0]
            else:
                display_name = input("Display name: ").strip()
        password = None
        if not link:
            password = self._ask_password(email, display_name)
        try:
            founder = services.founder_create(
                email=email, display_name=display_name, password=password
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Founder {founder.email} created."))
        if link:
            self.stdout.write("One-time link to set the password (valid for a few days):")
            self.stdout.write(services.password_set_link(founder))

    def _ask_password(self, email, display_name):
        for _attempt in range(3):
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords do not match.")
                continue
            try:
                validate_password(password, Member(email=email, display_name=display_name))
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password
        raise CommandError("No acceptable password given.")
