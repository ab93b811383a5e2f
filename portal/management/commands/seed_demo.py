from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.demo import DEMO_PASSWORD, seed_people, verify_demo_people
from portal.hooks import app_modules
from portal.models import User

# Each app may add `<app>/demo.py` with `seed(people, stdout)`; they run in this order.
APP_SEEDERS = ("groups", "meetings", "seps")


class Command(BaseCommand):
    help = "Create a fictional demo community (people in every ladder role, groups, meetings, SEPs)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when people exist already.")

    def handle(self, *args, if_empty=False, **options):
        if not (settings.DEBUG or getattr(settings, "TESTING", False)):
            # Demo people include a lead maintainer whose password is printed in the README.
            raise CommandError("seed_demo is for development: run it with DEBUG=true, never on a production database.")
        verify_demo_people()
        if if_empty and User.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        with transaction.atomic():
            people = seed_people(self.stdout)
            for module in app_modules("demo", APP_SEEDERS):
                module.seed(people, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo community ready: {len(people)} people."))
        self.stdout.write(
            f"Sign in as lena@example.org (lead maintainer), marco@example.org (core maintainer), "
            f"ana@example.org (member) or mei@example.org (contributor); password: {DEMO_PASSWORD}"
        )
