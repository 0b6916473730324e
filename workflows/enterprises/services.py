"""Every write to the enterprise registry."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, replace
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from workflows.core import clock, counters, jobs
from workflows.core.errors import Conflict, DomainError
from workflows.core.progress import LiveProgress
from workflows.core.text import fold
from workflows.organisation.models import Unit
from workflows.organisation.permissions import require_administer_unit, scope_of
from workflows.webhooks.services import import_finished

from . import figures, imports, permissions
from .models import (
    Enterprise,
    ImportBatch,
    ImportOutcome,
    ImportProgress,
    ImportRow,
    ImportStatus,
    OwnershipSector,
    WorkforceSource,
)
from .validation import normalise_tax_code, validate_tax_code


@dataclass(frozen=True)
class EnterpriseData:
    """What a user enters about an enterprise."""

    name: str
    address: str = ""
    province: str = ""
    commune: str = ""
    industrial_zone: str = ""
    ownership_sector: str = OwnershipSector.DOMESTIC_PRIVATE
    industry: str = ""
    workforce: int = 0
    workforce_as_of: dt.date | None = None
    workforce_source: str = ""

    def cleaned(self) -> EnterpriseData:
        errors: dict[str, str] = {}
        name = " ".join((self.name or "").split())
        if not name:
            errors["name"] = _("The enterprise needs a name.")
        elif len(name) > 255:
            errors["name"] = _("The name is longer than 255 characters.")
        if self.ownership_sector not in OwnershipSector.values:
            errors["ownership_sector"] = _("Choose an ownership sector from the list.")
        if self.workforce_source and self.workforce_source not in WorkforceSource.values:
            errors["workforce_source"] = _("Choose a workforce source from the list.")
        if not isinstance(self.workforce, int) or self.workforce < 0:
            errors["workforce"] = _("The workforce must be a whole number, zero or more.")
        if self.workforce_as_of and self.workforce_as_of > clock.today():
            errors["workforce_as_of"] = _("The workforce date cannot be in the future.")
        for field in ("address", "province", "commune", "industrial_zone", "industry"):
            limit = Enterprise._meta.get_field(field).max_length
            if len(getattr(self, field) or "") > limit:
                errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
        if errors:
            raise ValidationError(errors)
        return EnterpriseData(**{**{f.name: getattr(self, f.name) for f in fields(self)}, "name": name})


def _search_name(name: str) -> str:
    """The folded name, cut to its column: folding can lengthen a name
    (a Hangul syllable decomposes into two or three letters)."""
    return fold(name)[:Enterprise._meta.get_field("search_name").max_length]


@transaction.atomic
def enterprise_create(*, tax_code: str, data: EnterpriseData, responsible_unit: Unit, actor) -> Enterprise:
    """Register an enterprise under ``responsible_unit`` (its supervisors only).
    The tax code must be valid and not registered yet."""
    permissions.require(permissions.can_register_in(actor, responsible_unit))
    tax_code = normalise_tax_code(tax_code)
    try:
        validate_tax_code(tax_code)
    except ValidationError as error:
        raise ValidationError({"tax_code": error.messages}) from None
    data = data.cleaned()
    if Enterprise.objects.filter(tax_code=tax_code).exists():
        raise ValidationError({"tax_code": _("An enterprise with this tax code already exists.")})
    now = clock.now()
    enterprise = Enterprise(tax_code=tax_code, responsible_unit=responsible_unit, created_at=now, updated_at=now,
                            search_name=_search_name(data.name),
                            **{f.name: getattr(data, f.name) for f in fields(data)})
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        raise ValidationError({"tax_code": _("An enterprise with this tax code already exists.")}) from None
    figures.enterprises_changed([(None, figures.EnterpriseFacts.of(enterprise))])
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise_id: int, data: EnterpriseData, actor,
                      expected_updated_at: dt.datetime | None = None) -> Enterprise:
    """Change an enterprise's facts (not its tax code). ``expected_updated_at``
    refuses to overwrite a change made since the editor loaded the form."""
    enterprise = Enterprise.objects.select_for_update(of=("self",)).select_related("responsible_unit").get(
        pk=enterprise_id)
    permissions.require(permissions.can_edit(actor, enterprise))
    if expected_updated_at is not None and enterprise.updated_at != expected_updated_at:
        raise Conflict(_("Someone else changed this enterprise in the meantime. Reload the page and try again."))
    data = data.cleaned()
    before = figures.EnterpriseFacts.of(enterprise)
    for f in fields(data):
        setattr(enterprise, f.name, getattr(data, f.name))
    enterprise.search_name = _search_name(data.name)
    enterprise.updated_at = clock.now()
    enterprise.save()
    figures.enterprises_changed([(before, figures.EnterpriseFacts.of(enterprise))])
    return enterprise


def enterprise_mark_unionised(*, enterprise: Enterprise, union_unit: Unit, add=counters.add) -> None:
    """Record that the enterprise now has its grassroots union. Called by the
    recognition service inside its transaction, after its own checks
    (``add``: as ``figures.enterprises_changed``'s)."""
    before = figures.EnterpriseFacts.of(enterprise)
    Enterprise.objects.filter(pk=enterprise.pk).update(has_union=True, union_unit=union_unit,
                                                       updated_at=clock.now())
    figures.enterprises_changed([(before, replace(before, has_union=True))], add=add)


# --- registry import --------------------------------------------------------------------
#: Files with more rows than this are checked and committed by a job, with a progress bar.
BACKGROUND_ROWS = 2_000
#: Rows read, looked up and written at a time (one registry query per chunk).
CHUNK = 1_000
#: A check under way may be restarted (its job stops at its next chunk); a commit may not.
_OPEN_FOR_CHANGES = (ImportStatus.UPLOADED, ImportStatus.PREVIEWING, ImportStatus.PREVIEWED, ImportStatus.FAILED)


def _batch_locked(batch_id: int) -> ImportBatch:
    return (ImportBatch.objects.select_for_update(of=("self",)).select_related("unit", "unit__kind")
            .defer("content").get(pk=batch_id))


def _sheet(batch: ImportBatch) -> imports.Sheet:
    return imports.Sheet(batch.file_format, batch.sheet, batch.header_row, tuple(batch.headers),
                         batch.rows_estimate, batch.delimiter or ",")


def _busy(batch: ImportBatch) -> Conflict:
    return Conflict(_("This import is “%(status)s” at the moment: wait until it is done, then reload the page.")
                    % {"status": batch.get_status_display()})


def import_upload(*, actor, unit: Unit, file_name: str, content: bytes, default_as_of: dt.date | None = None,
                  default_source: str = "", check: bool = True) -> ImportBatch:
    """Take a registry list (XLSX or CSV) for import into ``unit``'s registry
    (the unit new enterprises are given to; its supervisors only). Refuses a
    file that is not a list (``ImportFileError``) and writes nothing then.
    When every column is recognised the rows are checked at once (or by a
    job, for a large file); otherwise the batch waits for its column mapping."""
    permissions.require(permissions.can_import_into(actor, unit))
    errors = {}
    if default_source and default_source not in WorkforceSource.values:
        errors["default_source"] = _("Choose a workforce source from the list.")
    if default_as_of and default_as_of > clock.today():
        errors["default_as_of"] = _("The workforce date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    # A file checked here and now is read to its end first: damage in it stores nothing.
    sheet = imports.sheet_open(content, read_whole_up_to=BACKGROUND_ROWS)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            created_by=actor, unit=unit, file_name=(file_name or "registry")[:255], file_format=sheet.file_format,
            delimiter=sheet.delimiter if sheet.file_format == "csv" else "", content=content, sheet=sheet.sheet,
            header_row=sheet.header_row, headers=list(sheet.headers),
            mapping=imports.columns_recognise(list(sheet.headers)), default_as_of=default_as_of,
            default_source=default_source, rows_estimate=max(sheet.rows_estimate, 1), created_at=clock.now())
        ImportProgress.objects.create(batch=batch, total=batch.rows_estimate, updated_at=batch.created_at)
    if not check or imports.mapping_problems(batch.headers, batch.mapping):
        return batch
    return import_preview(batch_id=batch.pk, actor=actor)


def import_map_columns(*, batch_id: int, actor, mapping: dict[str, str], check: bool = True) -> ImportBatch:
    """Say which field each column of the file holds ("" leaves it out), then
    check the rows again. Tax code and name must be among the columns."""
    with transaction.atomic():
        batch = _batch_locked(batch_id)
        permissions.require(permissions.can_work_import(actor, batch))
        if batch.status not in _OPEN_FOR_CHANGES:
            raise _busy(batch)
        cleaned = {str(index): mapping.get(str(index), "") for index, text in enumerate(batch.headers)
                   if str(text).strip() or mapping.get(str(index))}
        unknown = sorted({key for key in cleaned.values() if key and key not in imports.FIELDS})
        if unknown:
            raise ValidationError(_("Choose a field from the list for every column."))
        problems = imports.mapping_problems(batch.headers, cleaned)
        if problems:
            raise ValidationError(problems)
        batch.mapping = cleaned
        batch.status = ImportStatus.UPLOADED
        batch.save(update_fields=["mapping", "status"])
    if not check:
        return ImportBatch.objects.defer("content").get(pk=batch_id)
    return import_preview(batch_id=batch_id, actor=actor)


def import_preview(*, batch_id: int, actor, background: bool | None = None,
                   report: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Check every row of the file against the registry and record what the
    commit would do: nothing is written to the registry. Files of more than
    ``BACKGROUND_ROWS`` rows are checked by a job queued after this commits."""
    with transaction.atomic():
        batch = _batch_locked(batch_id)
        permissions.require(permissions.can_work_import(actor, batch))
        if batch.status not in _OPEN_FOR_CHANGES:
            raise _busy(batch)
        problems = imports.mapping_problems(batch.headers, batch.mapping)
        if problems:
            raise ValidationError(problems)
        if background is None:
            background = batch.rows_estimate > BACKGROUND_ROWS
        token = uuid.uuid4().hex
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.PREVIEWING, run_token=token, failure="")
        ImportProgress.objects.filter(batch_id=batch.pk).update(done=0, total=batch.rows_estimate,
                                                                updated_at=clock.now())
        if background:
            jobs.after_commit("workflows.enterprises.jobs.import_preview", batch_id, token,
                                                     task_name=f"import-preview-{batch_id}-{token[:8]}")
    if not background:
        import_preview_run(batch_id=batch_id, token=token, report=report)
    return ImportBatch.objects.defer("content").get(pk=batch_id)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _registry_facts(tax_codes: list[str], *, lock: bool = False) -> dict[str, imports.Existing]:
    """What the registry holds for these tax codes: one query."""
    query = Enterprise.objects.filter(tax_code__in=tax_codes)
    if lock:
        # In pk order, so that two commits locking the same chunk wait rather than deadlock.
        query = query.select_for_update(of=("self",)).order_by("pk")
    rows = query.values_list("pk", "tax_code", "responsible_unit_id", "responsible_unit__path", "has_union",
                             *imports.IMPORT_FIELDS)
    return {row[1]: imports.Existing(row[0], row[3], dict(zip(imports.IMPORT_FIELDS, row[5:], strict=True)), row[2],
                                     row[4])
            for row in rows}


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else (str(value) if hasattr(value, "label") else value)


def _values_from_json(values: dict) -> dict:
    result = dict(values)
    if result.get("workforce_as_of"):
        result["workforce_as_of"] = dt.date.fromisoformat(result["workforce_as_of"])
    return result


def _header_of(batch: ImportBatch) -> Callable[[str], str]:
    by_key = {key: batch.headers[int(index)] for index, key in batch.mapping.items()
              if key and int(index) < len(batch.headers)}
    return lambda key: by_key.get(key) or (str(imports.FIELDS[key].label) if key in imports.FIELDS else "")


def _row_record(batch: ImportBatch, header: Callable[[str], str], parsed: imports.ParsedRow,
                verdict: imports.Verdict, held: imports.Existing | None, name: str) -> ImportRow:
    return ImportRow(
        batch_id=batch.pk, row_number=parsed.number, tax_code=parsed.tax_code, name=name[:255],
        outcome=verdict.outcome, values={k: _json_value(v) for k, v in parsed.values.items()},
        cells=list(parsed.cells), messages=[[header(key), text] for key, text in verdict.messages],
        changes=[[key, _json_value(before), _json_value(after)] for key, before, after in verdict.changes],
        enterprise_id=held.pk if held else None)


def _owns(batch_id: int, token: str, status: str) -> ImportBatch | None:
    """The batch, locked, if this run still owns it (nobody re-mapped or restarted it)."""
    batch = _batch_locked(batch_id)
    return batch if batch.status == status and batch.run_token == token else None


def import_preview_run(*, batch_id: int, token: str, report: Callable[[int, int], None] | None = None) -> None:
    """The work of a preview (a job for a large file): read the rows in
    chunks, check each, look up the chunk's tax codes in the registry in one
    query, store the verdicts. Each chunk is its own transaction, so the
    progress shows; a newer run (re-mapping, a retried job) makes this one
    stop, and a run starts by clearing what an earlier one left."""
    with transaction.atomic():
        batch = _owns(batch_id, token, ImportStatus.PREVIEWING)
        if batch is None:
            return
        ImportRow.objects.filter(batch_id=batch_id).delete()
        content = bytes(ImportBatch.objects.filter(pk=batch_id).values_list("content", flat=True)[0])
    scope = scope_of(batch.created_by, fresh=True)
    defaults = imports.Defaults(batch.default_as_of, batch.default_source)
    today = clock.today()
    name_index = next((int(i) for i, key in batch.mapping.items() if key == "name"), None)
    header = _header_of(batch)
    first_row: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    done = 0
    try:
        for chunk in _chunks(imports.rows_read(content, _sheet(batch)), CHUNK):
            parsed = [imports.row_parse(row, batch.mapping, defaults=defaults, today=today) for row in chunk]
            registry = _registry_facts([p.tax_code for p in parsed if not p.errors])
            records = []
            for row, p in zip(chunk, parsed, strict=True):
                if not p.errors:
                    if p.tax_code in first_row:
                        repeated.setdefault(p.tax_code, [first_row[p.tax_code]]).append(p.number)
                    else:
                        first_row[p.tax_code] = p.number
                held = registry.get(p.tax_code)
                verdict = imports.row_classify(p, held, may_edit=held is not None and scope.supervises(held.unit_path))
                name = imports.cell_text(row.cells[name_index]) if name_index is not None else ""
                records.append(_row_record(batch, header, p, verdict, held, name))
            done += len(chunk)
            with transaction.atomic():
                if _owns(batch_id, token, ImportStatus.PREVIEWING) is None:
                    return
                ImportRow.objects.bulk_create(records)
                ImportProgress.objects.filter(batch_id=batch_id).update(
                    done=done, total=max(done, batch.rows_estimate), updated_at=clock.now())
            if report:
                report(done, max(done, batch.rows_estimate))
        with transaction.atomic():
            if _owns(batch_id, token, ImportStatus.PREVIEWING) is None:
                return
            _mark_repeated(batch, repeated)
            ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.PREVIEWED, previewed_at=clock.now(),
                                                           **_import_counts(batch_id))
            ImportProgress.objects.filter(batch_id=batch_id).update(done=done, total=done, updated_at=clock.now())
    except imports.ImportFileError as error:
        _import_fail(batch_id, token, error.message)
    except Exception:
        _import_fail(batch_id, token, _("The check stopped on an unexpected error: nothing was written to the "
                                        "registry. Try again; if it fails again, tell the administrator."))
        raise


def _mark_repeated(batch: ImportBatch, repeated: dict[str, list[int]]) -> None:
    """Every row of a tax code that comes more than once is an error: which
    of them is right is for the user to say."""
    header = _header_of(batch)("tax_code")
    codes = sorted(repeated)
    for start in range(0, len(codes), CHUNK):
        rows = list(ImportRow.objects.filter(batch_id=batch.pk, tax_code__in=codes[start:start + CHUNK])
                    .exclude(outcome=ImportOutcome.ERROR))
        for row in rows:
            numbers = ", ".join(str(n) for n in repeated[row.tax_code])
            row.outcome = ImportOutcome.ERROR
            row.changes = []
            row.messages = [[header, _("The tax code %(code)s comes more than once in the file (rows "
                                       "%(rows)s): keep one row.") % {"code": row.tax_code, "rows": numbers}]]
        ImportRow.objects.bulk_update(rows, ["outcome", "changes", "messages"])


def _import_counts(batch_id: int) -> dict[str, int]:
    counts = dict(ImportRow.objects.filter(batch_id=batch_id).values_list("outcome").annotate(n=Count("pk"))
                  .values_list("outcome", "n"))
    return {"rows_total": sum(counts.values()), "created": counts.get(ImportOutcome.CREATE, 0),
            "updated": counts.get(ImportOutcome.UPDATE, 0), "unchanged": counts.get(ImportOutcome.UNCHANGED, 0),
            "older": counts.get(ImportOutcome.OLDER, 0), "errors": counts.get(ImportOutcome.ERROR, 0)}


def _import_fail(batch_id: int, token: str | None, message: str) -> None:
    """Mark the batch failed with ``message``; a failed check (``token``: its
    run) also drops the rows it had stored."""
    with transaction.atomic():
        query = ImportBatch.objects.filter(pk=batch_id).exclude(status=ImportStatus.COMMITTED)
        if token is not None:
            query = query.filter(run_token=token)
        if query.update(status=ImportStatus.FAILED, failure=message[:2000]) and token is not None:
            ImportRow.objects.filter(batch_id=batch_id).delete()


def import_commit(*, batch_id: int, actor, background: bool | None = None,
                  report: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Write the checked rows to the registry: every valid row, in one
    transaction, or none. Rows are checked again against the registry as it
    is then (it may have changed since the preview). A large batch is
    committed by a job queued after this returns; a batch commits once."""
    with transaction.atomic():
        batch = _batch_locked(batch_id)
        permissions.require(permissions.can_work_import(actor, batch))
        if not batch.unit.is_active:
            raise DomainError(_("“%(unit)s” was closed after this list was uploaded: upload it again for the "
                                "unit that took over its work.") % {"unit": batch.unit.name})
        if batch.status != ImportStatus.PREVIEWED:
            if batch.status == ImportStatus.COMMITTED:
                raise Conflict(_("This import is already committed."))
            raise _busy(batch)
        if background is None:
            background = batch.rows_total > BACKGROUND_ROWS
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.COMMITTING, failure="")
        ImportProgress.objects.filter(batch_id=batch.pk).update(done=0, total=batch.rows_total - batch.errors,
                                                                updated_at=clock.now())
        if background:
            jobs.after_commit("workflows.enterprises.jobs.import_commit", batch_id,
                                                     task_name=f"import-commit-{batch_id}")
    if not background:
        import_commit_run(batch_id=batch_id, report=report)
    return ImportBatch.objects.defer("content").get(pk=batch_id)


class _ProgressReport(LiveProgress):
    """The commit's progress (its ``ImportProgress`` row), visible while its
    one transaction runs (``workflows.core.progress``)."""

    def __init__(self, batch_id: int, total: int, *, live: bool, report: Callable[[int, int], None] | None):
        super().__init__(table=ImportProgress._meta.db_table, key_column="batch_id", key=batch_id, total=total,
                         live=live, report=report)


_UPDATED_FIELDS = [*imports.IMPORT_FIELDS, "search_name", "updated_at"]


def import_commit_run(*, batch_id: int, live_progress: bool = False,
                      report: Callable[[int, int], None] | None = None) -> None:
    """The work of a commit (a job for a large batch), in ONE transaction:
    lock the batch and go on only if it is still to be committed (a retried
    or doubled job finds it committed and does nothing); check every valid
    row again against the registry, its rows locked; create and update in
    bulk; move the statistics' counters; mark the batch committed. A worker
    killed on the way commits nothing: the database drops the transaction."""
    progress = None
    try:
        with transaction.atomic():
            batch = _batch_locked(batch_id)
            if batch.status != ImportStatus.COMMITTING:
                return
            actor = batch.created_by
            scope = scope_of(actor, fresh=True)
            if not (actor.is_active and permissions.can_import_into(actor, batch.unit)):
                raise PermissionDenied
            progress = _ProgressReport(batch_id, batch.rows_total - batch.errors, live=live_progress, report=report)
            _commit_rows(batch, scope, progress)
            counts = _import_counts(batch_id)
            ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.COMMITTED, committed_at=clock.now(),
                                                           content=b"", **counts)
            import_finished(what="enterprises", import_id=batch.pk, unit=batch.unit, file_name=batch.file_name,
                            counts=counts)
    except PermissionDenied:
        _import_fail(batch_id, None, _("You no longer supervise this unit: nothing was written to the registry."))
        return
    except IntegrityError:
        _import_fail(batch_id, None, _("Someone registered one of these enterprises while the import was being "
                                       "committed: nothing was written. Check the rows again, then commit."))
        return
    except OperationalError:  # a deadlock or lock time-out with another import or edit
        _import_fail(batch_id, None, _("The registry was busy with another change to the same enterprises: "
                                       "nothing was written. Check the rows again, then commit."))
        return
    except Exception:
        _import_fail(batch_id, None, _("The commit stopped on an unexpected error: nothing was written to the "
                                       "registry. Try again; if it fails again, tell the administrator."))
        raise
    finally:
        if progress is not None:
            progress.close()
    ImportProgress.objects.filter(batch_id=batch_id).update(done=counts["rows_total"] - counts["errors"],
                                                            updated_at=clock.now())


def _commit_rows(batch: ImportBatch, scope, progress: _ProgressReport) -> None:
    now = clock.now()
    header = _header_of(batch)
    last, done = 0, 0
    while rows := list(ImportRow.objects.filter(batch_id=batch.pk, row_number__gt=last)
                       .exclude(outcome=ImportOutcome.ERROR).order_by("row_number")[:CHUNK]):
        last = rows[-1].row_number
        registry = _registry_facts([row.tax_code for row in rows], lock=True)
        created, updated, moved, revised = [], [], [], []
        for row in rows:
            parsed = imports.ParsedRow(row.row_number, row.tax_code, values=_values_from_json(row.values))
            held = registry.get(row.tax_code)
            verdict = imports.row_classify(parsed, held, may_edit=held is not None and scope.supervises(held.unit_path))
            record = _row_record(batch, header, parsed, verdict, held, row.name)
            if (record.outcome, record.changes) != (row.outcome, row.changes):
                row.outcome, row.messages, row.changes = record.outcome, record.messages, record.changes
                row.enterprise_id = record.enterprise_id
                revised.append(row)
            if verdict.outcome == ImportOutcome.CREATE:
                values = imports.create_values(parsed)
                enterprise = Enterprise(tax_code=row.tax_code, responsible_unit_id=batch.unit_id, created_at=now,
                                        updated_at=now, search_name=_search_name(values["name"]), **values)
                created.append(enterprise)
                moved.append((None, figures.EnterpriseFacts.of(enterprise)))
            elif verdict.outcome == ImportOutcome.UPDATE:
                values = {**held.values, **verdict.new_values()}
                enterprise = Enterprise(pk=held.pk, responsible_unit_id=held.unit_id, has_union=held.has_union,
                                        search_name=_search_name(values["name"]), updated_at=now, **values)
                updated.append(enterprise)
                before = Enterprise(responsible_unit_id=held.unit_id, has_union=held.has_union, **held.values)
                moved.append((figures.EnterpriseFacts.of(before), figures.EnterpriseFacts.of(enterprise)))
        Enterprise.objects.bulk_create(created)
        Enterprise.objects.bulk_update(updated, _UPDATED_FIELDS)
        figures.enterprises_changed(moved)
        ImportRow.objects.bulk_update(revised, ["outcome", "messages", "changes", "enterprise"])
        done += len(rows)
        progress(done)


# --- a unit's enterprises to another unit ------------------------------------------
def units_lock_for_transfer(*, actor, from_unit_id: int, to_unit_id: int) -> tuple[Unit, Unit]:
    """For a service that moves a unit's work to another unit: both units,
    locked in id order against another closing or move of them (``no_key``:
    work that merely refers to them goes on), once the actor is known to
    administer both; the receiving unit must be open."""
    if from_unit_id == to_unit_id:
        raise ValidationError(_("Choose another unit to receive the work."))
    units = {u.pk: u for u in Unit.objects.select_for_update(no_key=True).filter(pk__in=[from_unit_id, to_unit_id])
             .order_by("pk")}
    if len(units) != 2:
        raise PermissionDenied
    require_administer_unit(actor, units[from_unit_id])
    require_administer_unit(actor, units[to_unit_id])
    if not units[to_unit_id].is_active:
        raise ValidationError(_("The unit “%(name)s” is closed: choose an open unit.") % {
            "name": units[to_unit_id].name})
    return units[from_unit_id], units[to_unit_id]


@transaction.atomic
def enterprises_transfer(*, from_unit_id: int, to_unit_id: int, actor, on: dt.date) -> int:
    """Make ``to_unit`` responsible for every enterprise ``from_unit`` is
    responsible for (a unit closing into its successor, on ``on``):
    administrators of both units. The enterprises are locked in id order and
    their summary rows (``EnterpriseBand``) move with them in the same
    transaction; the registry keeps no history, so the enterprise figures of
    any day are from then on counted at ``to_unit``. An editor's form opened
    before is refused (``updated_at`` moves). Returns how many moved."""
    from_unit, to_unit = units_lock_for_transfer(actor=actor, from_unit_id=from_unit_id, to_unit_id=to_unit_id)
    # NO KEY UPDATE: no key changes, and a transaction under way whose rows refer to these enterprises
    # (checked at its commit) must not wait for this one while this one waits for its rows.
    rows = list(Enterprise.objects.select_for_update(of=("self",), no_key=True)
                .filter(responsible_unit_id=from_unit.pk)
                .order_by("pk").values_list("pk", *figures.EnterpriseFacts.FIELDS))
    now = clock.now()
    # by id, the rows locked and counted (not whatever the unit holds by the time of the update)
    for ids in _chunks([pk for pk, *_facts in rows], CHUNK):
        Enterprise.objects.filter(pk__in=ids).update(responsible_unit_id=to_unit.pk, updated_at=now)
    figures.enterprises_transferred(
        [figures.EnterpriseFacts.of_values(from_unit.pk, *facts) for _pk, *facts in rows], to_unit_id=to_unit.pk)
    return len(rows)
