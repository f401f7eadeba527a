from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vouching import services
from vouching.models import Member


class Command(BaseCommand):
    help = (
        "Let an imported placeholder member claim their account: sets their email address "
        "and emails them a one-time link to choose a password."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Their name in the imported network.")
        parser.add_argument("email")
        parser.add_argument("--language", choices=["en", "zh-hans"])

    def handle(self, *args, name, email, language, **options):
        member = Member.objects.filter(imported_name=name).first()
        if member is None:
            raise CommandError(f"No imported member is called {name!r}.")
        try:
            link = services.placeholder_claim(member=member, email=email, language=language)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{name} can now claim their account at {email}."))
        self.stdout.write(f"Link sent by email: {link}")
