"""Create or update the app's django-q2 schedules. Safe to run any number of times."""
from django.core.management.base import BaseCommand

from workflows.notifications.schedules import schedules_setup


class Command(BaseCommand):
    help = "Create or update the app's django-q2 schedules (reminders, digest, e-mail sweeper); idempotent."

    def handle(self, *args, **options):
        for name, created in schedules_setup():
            self.stdout.write(f"{'created' if created else 'up to date'}: {name}")
