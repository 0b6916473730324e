"""``manage.py load_demo``: the demo province (see ``workflows.demo.builder``).

Runs once per database: a second run finds the province, writes nothing and
prints the logins again.
"""
import time

from django.core.management.base import BaseCommand, CommandError

from workflows.demo.builder import DemoError, build_demo, logins_table


class Command(BaseCommand):
    help = ("Load a demo province (Liên đoàn Lao động tỉnh Bắc Ninh) with units, officers, enterprises, "
            "campaigns, programmes with their targets, member counts and estimates, and print the demo logins. "
            "Does nothing if the demo is already loaded.")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = build_demo(log=self.stdout.write)
        except DemoError as error:
            raise CommandError(str(error)) from None
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Demo loaded in {time.monotonic() - started:.1f} s."))
        self.stdout.write("")
        self.stdout.write(logins_table(result))
