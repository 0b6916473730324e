from django.core.management.base import BaseCommand

from workflows.statistics.reconcile import reconcile


class Command(BaseCommand):
    help = "Recompute the summary tables from the base tables and report any drift (--fix puts them right)."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="replace the summary rows by the recomputation")

    def handle(self, *args, fix=False, **options):
        found = reconcile(fix=fix)
        for item in found:
            self.stdout.write(f"{item.table} {item.key}: stored {item.stored}, expected {item.expected}")
        self.stdout.write(f"drift: {len(found)} row(s)" + (" — rebuilt" if found and fix else ""))
        if found and not fix:
            raise SystemExit(1)
