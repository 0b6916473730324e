"""Run the day's reminders and escalations now, in this process (the
schedule runs them every working day at 06:30). Safe to run any number of
times: what was already delivered is not sent again."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from workflows.notifications import jobs


class Command(BaseCommand):
    help = "Decide and deliver today's (or --day's) reminders and escalations now; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="the working day, as YYYY-MM-DD (default: today)")

    def handle(self, *args, day=None, **options):
        try:
            when = dt.date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError("--day must be a date as YYYY-MM-DD") from None
        run = jobs.reminders_run(day=when)
        if not run.working_day:
            self.stdout.write(f"{run.day:%d/%m/%Y} is not a working day: nothing to send.")
            return
        self.stdout.write(f"{run.day:%d/%m/%Y}: {run.delivered} reminder(s) delivered in "
                          f"{run.notifications} notification(s); their e-mail is queued.")
