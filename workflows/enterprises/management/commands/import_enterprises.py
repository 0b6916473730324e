"""Import a registry list from the command line, through the same services
as the web page: the administrator's way for very large files or scripted
loads. Without --commit it only checks and prints what would happen."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from workflows.core.errors import DomainError
from workflows.enterprises import exports, imports, services
from workflows.enterprises.models import ImportBatch, ImportOutcome, ImportRow, ImportStatus, WorkforceSource
from workflows.organisation.models import Unit


class Command(BaseCommand):
    help = "Import enterprises from an XLSX or CSV list (checks only, unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the XLSX or CSV (UTF-8) file")
        parser.add_argument("--unit", required=True, help="code of the unit new enterprises are given to")
        parser.add_argument("--user", required=True, help="user name of the supervisor doing the import")
        parser.add_argument("--commit", action="store_true", help="write the valid rows to the registry")
        parser.add_argument("--as-of", help="dd/mm/yyyy: date of figures that rows give without a date")
        parser.add_argument("--source", choices=WorkforceSource.values, default="",
                            help="source of figures that rows give without a source")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help=f"say what an unrecognised column holds (FIELD: {', '.join(imports.FIELDS)}, "
                                 "or nothing to leave it out); repeatable")
        parser.add_argument("--rejected", metavar="PATH", help="write the rejected rows to this XLSX file")

    def handle(self, *args, path, unit, user, commit, as_of, source, map, rejected, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {user!r}")
        target = Unit.objects.filter(code=unit).select_related("kind").first()
        if target is None:
            raise CommandError(f"no unit with code {unit!r}")
        try:
            default_as_of = dt.datetime.strptime(as_of, "%d/%m/%Y").date() if as_of else None
        except ValueError:
            raise CommandError("--as-of must be a date as dd/mm/yyyy") from None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no file {path}")
        try:
            batch = self._run(actor, target, file, default_as_of, source, map, commit)
        except DomainError as error:
            raise CommandError(error.message) from None
        except PermissionDenied:
            raise CommandError(f"{user} does not supervise {target.name} (or it is a grassroots union)") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if rejected and batch.errors:
            Path(rejected).write_bytes(exports.rejected_rows_workbook(batch).read())
            self.stdout.write(f"rejected rows written to {rejected}")
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.failure)

    def _progress(self, label: str):
        def report(done: int, total: int) -> None:
            self.stdout.write(f"{label}: {done}/{total} rows")
        return report

    def _run(self, actor, unit, file: Path, default_as_of, source, mappings, commit) -> ImportBatch:
        # The services decide inline or in a job by size; here everything
        # runs in this process (background=False), with progress printed.
        batch = services.import_upload(actor=actor, unit=unit, file_name=file.name, content=file.read_bytes(),
                                       default_as_of=default_as_of, default_source=source, check=False)
        self.stdout.write(f"batch {batch.pk}: {batch.file_name}, header on row {batch.header_row}")
        if mappings or imports.mapping_problems(batch.headers, batch.mapping):
            mapping = dict(batch.mapping)
            by_header = {imports.header_key(text): str(i) for i, text in enumerate(batch.headers)}
            for item in mappings:
                header, _sep, field = item.partition("=")
                index = by_header.get(imports.header_key(header))
                if index is None:
                    raise CommandError(f"the file has no column {header!r}")
                mapping[index] = field.strip()
            problems = imports.mapping_problems(batch.headers, mapping)
            if problems:
                raise CommandError(" ".join(problems) + " Use --map HEADER=FIELD.")
            batch = services.import_map_columns(batch_id=batch.pk, actor=actor, mapping=mapping, check=False)
        batch = services.import_preview(batch_id=batch.pk, actor=actor, background=False,
                                        report=self._progress("checked"))
        self._summary(batch)
        if batch.status != ImportStatus.PREVIEWED or not commit:
            return batch
        batch = services.import_commit(batch_id=batch.pk, actor=actor, background=False,
                                       report=self._progress("committed"))
        if batch.status == ImportStatus.COMMITTED:
            self.stdout.write(self.style.SUCCESS(
                f"committed: {batch.created} created, {batch.updated} updated, {batch.unchanged} unchanged, "
                f"{batch.older} older figures left out, {batch.errors} rejected"))
        return batch

    def _summary(self, batch: ImportBatch) -> None:
        if batch.status == ImportStatus.FAILED:
            return
        self.stdout.write(f"{batch.rows_total} rows: {batch.created} to create, {batch.updated} to update, "
                          f"{batch.unchanged} unchanged, {batch.older} older figures, {batch.errors} rejected")
        for row in ImportRow.objects.filter(batch=batch, outcome=ImportOutcome.ERROR).order_by("row_number")[:20]:
            reasons = " ".join(f"{column}: {text}" for column, text in row.messages)
            self.stdout.write(f"  row {row.row_number}: {reasons}")
        if batch.errors > 20:
            self.stdout.write(f"  … and {batch.errors - 20} more (use --rejected FILE)")
