"""Importing the organisation from the template: the services (upload,
check, confirm, and the jobs' work) and the reads of its pages.

The pattern is the registry import's (``workflows.enterprises``): the file
is stored, a job checks every row against the database and stores the
verdicts without writing anything, the administrator reads them and
confirms, and a second job writes the whole file in ONE transaction through
the organisation services — with the administrator as the actor, so that
every row passes the same permission checks as the screens — or nothing of
it. A file with an error is never written. Reading the file is
``import_sheets`` (pure); reading XLSX safely is ``workflows.core.workbooks``;
the write's progress goes through ``workflows.core.progress``.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from workflows.core import clock, jobs
from workflows.core.errors import Conflict, DomainError
from workflows.core.progress import LiveProgress
from workflows.core.workbooks import SpreadsheetRefused
from workflows.organisation import services as org
from workflows.organisation.models import (
    ChangeAction,
    Unit,
    UnitKind,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role, can_administer_unit, scope_of, units_administered_by
from workflows.webhooks.services import import_finished

from . import import_sheets as sheets
from .models import ImportStatus, OrganisationImport, OrganisationImportProgress, RowOutcome
from .services import person_invite

User = get_user_model()
#: Rows read between two progress reports of a check.
CHUNK = 500
#: Actions written between two progress reports of a write.
WRITE_REPORT_EVERY = 20
#: A check under way may be restarted (its job stops at its next report); a write may not.
_OPEN_FOR_CHECK = (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.CHECKED, ImportStatus.FAILED)
#: A job that has not reported for this long has probably died.
STALLED_AFTER_SECONDS = 180
#: The write job's own time limit (the cluster's is 120 s). Every row goes
#: through the organisation services, a few milliseconds an action: a
#: province's file takes seconds, a sheet of 20,000 people a few minutes.
#: A delivery repeated meanwhile (Q_CLUSTER["retry"]) waits for the first's
#: lock on the import, then finds it written and does nothing.
COMMIT_TIMEOUT_SECONDS = 30 * 60


# --- who may import -------------------------------------------------------------------
def import_units_for(user) -> list[Unit]:
    """The units ``user`` may import under: the open units they administer,
    in tree order; grassroots unions only where the grant is (one has no
    units below it, and a province has hundreds of them)."""
    granted = scope_of(user).administered
    return list(units_administered_by(user).filter(Q(kind__is_grassroots=False) | Q(path__in=granted),
                                                   is_active=True).select_related("kind").order_by("path"))


def imports_shown_to(user) -> QuerySet[OrganisationImport]:
    """The imports ``user`` may work on: their own, under a unit they still
    administer (anyone else's answers 404). Without the file and the rows."""
    if not (user and user.is_authenticated and user.is_active):
        return OrganisationImport.objects.none()
    scope = scope_of(user)
    runs = OrganisationImport.objects.filter(created_by=user)
    if not user.is_superuser:
        runs = runs.filter(scope.subtree_q("unit__path", scope.administered))
    return runs.select_related("unit").defer("content", "rows")


def imports_of(user, *, limit: int = 10) -> list[OrganisationImport]:
    """The user's latest imports."""
    return list(imports_shown_to(user)[:limit])


def _require_works_on(actor, run: OrganisationImport) -> None:
    if not (actor and actor.is_authenticated and actor.pk == run.created_by_id
            and can_administer_unit(actor, run.unit)):
        raise PermissionDenied


def _busy(run: OrganisationImport) -> Conflict:
    return Conflict(_("This import is “%(status)s” at the moment: wait until it is done, then reload the page.")
                    % {"status": run.get_status_display()})


def _locked(import_id: int) -> OrganisationImport:
    return (OrganisationImport.objects.select_for_update(of=("self",)).select_related("unit", "created_by")
            .defer("content", "rows").get(pk=import_id))


def _content(import_id: int) -> bytes:
    return bytes(OrganisationImport.objects.filter(pk=import_id).values_list("content", flat=True)[0])


# --- the template ---------------------------------------------------------------------
def kinds_read() -> list[sheets.KindFact]:
    return [sheets.KindFact(pk, code, name, name_en)
            for pk, code, name, name_en in UnitKind.objects.order_by("order", "name")
            .values_list("pk", "code", "name", "name_en")]


def template_file(user):
    """The template to download (an XLSX file object), its examples under the
    first unit ``user`` may import under; None for a user who may import nothing."""
    units = import_units_for(user)
    if not units:
        return None
    return sheets.template_workbook(kinds=kinds_read(), parent_code=units[0].code, today=clock.today())


# --- upload and check -----------------------------------------------------------------
def organisation_import_upload(*, actor, unit: Unit, file_name: str, content: bytes) -> OrganisationImport:
    """Take a filled-in template for import under ``unit`` (one of its
    administrators; an open unit). A file that is not the template is
    refused (``SpreadsheetRefused``, saying what to do) and nothing is
    stored; otherwise a job checks its rows after this commits."""
    if not can_administer_unit(actor, unit):
        raise PermissionDenied
    if not unit.is_active:
        raise ValidationError(_("The unit “%(name)s” is closed: choose an open unit.") % {"name": unit.name})
    layout = sheets.layout_read(content)
    with transaction.atomic():
        run = OrganisationImport.objects.create(
            created_by=actor, unit=unit, file_name=(file_name or "organisation.xlsx")[:255], content=content,
            language=translation.get_language() or "", columns=sheets.error_headers(layout),
            rows_estimate=max(layout.rows_estimate, 1),
            created_at=clock.now())
        OrganisationImportProgress.objects.create(organisation_import=run, total=run.rows_estimate,
                                                  updated_at=run.created_at)
        _check_queue(run)
    return run


def _check_queue(run: OrganisationImport) -> None:
    """Start a check of ``run`` (inside the caller's transaction): a new run
    token makes a check still under way stop; the job starts after commit."""
    token = uuid.uuid4().hex
    OrganisationImport.objects.filter(pk=run.pk).update(status=ImportStatus.CHECKING, run_token=token, failure="")
    OrganisationImportProgress.objects.filter(organisation_import_id=run.pk).update(
        done=0, total=run.rows_estimate, updated_at=clock.now())
    run_id = run.pk
    jobs.after_commit("workflows.administration.import_jobs.organisation_import_check",
                                             run_id, token, task_name=f"org-import-check-{run_id}-{token[:8]}")


def organisation_import_check(*, import_id: int, actor) -> OrganisationImport:
    """Check the file again (the organisation may have changed since, or the
    check's job stopped): its uploader, while nothing is being written."""
    with transaction.atomic():
        run = _locked(import_id)
        _require_works_on(actor, run)
        if run.status not in _OPEN_FOR_CHECK:
            if run.status == ImportStatus.COMMITTED:
                raise Conflict(_("This import is already written."))
            raise _busy(run)
        _check_queue(run)
    return OrganisationImport.objects.defer("content", "rows").get(pk=import_id)


class _Superseded(Exception):
    """A newer check took the import over: this one stops."""


def _owns(import_id: int, token: str) -> OrganisationImport | None:
    """The import, locked, if this check still owns it."""
    run = _locked(import_id)
    return run if run.status == ImportStatus.CHECKING and run.run_token == token else None


def organisation_import_check_run(*, import_id: int, token: str,
                                  report: Callable[[int, int], None] | None = None) -> None:
    """The work of a check (a job): read every row, read what the database
    holds about the units, accounts and groups they name (a few queries for
    the whole file), decide each row, store the verdicts. Writes nothing to
    the organisation. Progress is stored every ``CHUNK`` rows, each time in
    a short transaction that also makes a superseded run stop."""
    with transaction.atomic():
        run = _owns(import_id, token)
        if run is None:
            return
        content = _content(import_id)

    def progress(done: int) -> None:
        with transaction.atomic():
            if _owns(import_id, token) is None:
                raise _Superseded
            OrganisationImportProgress.objects.filter(organisation_import_id=import_id).update(
                done=done, total=max(done, run.rows_estimate), updated_at=clock.now())
        if report:
            report(done, max(done, run.rows_estimate))

    try:
        actor = run.created_by
        if not (actor.is_active and can_administer_unit(actor, run.unit)):
            raise PermissionDenied
        plan = _plan_of(run, content, report=progress)
        with transaction.atomic():
            if _owns(import_id, token) is None:
                return
            _verdicts_store(run, plan, status=ImportStatus.CHECKED)
    except _Superseded:
        return
    except PermissionDenied:
        _fail(import_id, token, _("You no longer administer “%(unit)s”: the file was not checked.") % {
            "unit": run.unit.name})
    except SpreadsheetRefused as error:
        _fail(import_id, token, error.message)
    except Exception:
        _fail(import_id, token, _("The check stopped on an unexpected error: nothing was written. Check the file "
                                  "again; if it fails again, tell the technical administrator."))
        raise


def _plan_of(run: OrganisationImport, content: bytes, *, report: Callable[[int], None] | None = None) -> sheets.Plan:
    layout = sheets.layout_read(content)
    units, people = sheets.rows_parse(content, layout, today=clock.today(), report=report, every=CHUNK)
    facts = facts_read(actor=run.created_by, import_unit=run.unit, units=units, people=people)
    return sheets.plan_make(units, people, facts)


def _verdicts_store(run: OrganisationImport, plan: sheets.Plan, *, status: str, failure: str = "") -> None:
    outcomes = plan.outcomes()
    rows = [verdict.as_json() for verdict in plan.verdicts]
    OrganisationImport.objects.filter(pk=run.pk).update(
        status=status, failure=failure, checked_at=clock.now(), rows=rows, rows_total=len(rows), plan=plan.counts(),
        created=outcomes[RowOutcome.CREATE], updated=outcomes[RowOutcome.UPDATE],
        unchanged=outcomes[RowOutcome.UNCHANGED], errors=outcomes[RowOutcome.ERROR])
    OrganisationImportProgress.objects.filter(organisation_import_id=run.pk).update(
        done=len(rows), total=len(rows), updated_at=clock.now())


def _fail(import_id: int, token: str | None, message: str) -> None:
    """Mark the import failed with ``message``. A check (``token``: its run,
    if it still owns the import) also drops the verdicts of an earlier one."""
    with transaction.atomic():
        query = OrganisationImport.objects.filter(pk=import_id).exclude(status=ImportStatus.COMMITTED)
        cleared = {}
        if token is not None:
            query = query.filter(run_token=token, status=ImportStatus.CHECKING)
            cleared = {"rows": [], "rows_total": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": 0,
                       "plan": {}}
        query.update(status=ImportStatus.FAILED, failure=message[:2000], **cleared)


# --- facts ----------------------------------------------------------------------------
_IN_CHUNK = 5_000


def _chunks(items, size: int = _IN_CHUNK):
    items = sorted(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def facts_read(*, actor, import_unit: Unit, units: list[sheets.UnitRow],
               people: list[sheets.PersonRow]) -> sheets.Facts:
    """What the database holds about the units, accounts, working groups and
    grants the file names: a handful of queries for the whole file."""
    codes, usernames, emails = sheets.names_wanted(units, people)
    codes.add(import_unit.code)
    unit_rows = []
    for chunk in _chunks(codes):
        unit_rows += Unit.objects.filter(code__in=chunk).values_list("pk", "code", "name", "kind_id", "path",
                                                                     "is_active")
    step = Unit.steplen
    parent_paths = {path[:-step] for *_rest, path, _active in unit_rows if len(path) > step}
    parent_codes = {}
    for chunk in _chunks(parent_paths):
        parent_codes.update(Unit.objects.filter(path__in=chunk).values_list("path", "code"))
    facts_units = {code: sheets.UnitFact(pk, code, name, kind_id, path, parent_codes.get(path[:-step], ""), active)
                   for pk, code, name, kind_id, path, active in unit_rows}

    scope = scope_of(actor, fresh=True)
    people_rows = []
    fields = ("pk", "username", "first_name", "last_name", "email", "is_active", "profile__unit__code",
              "profile__unit__path", "profile__phone", "profile__position", "profile__is_collaborator",
              "profile__access_until")
    accounts = User.objects.annotate(username_folded=Lower("username"), email_folded=Lower("email"))
    for chunk in _chunks(usernames):
        people_rows += accounts.filter(username_folded__in=chunk).values_list(*fields)
    for chunk in _chunks(emails):
        people_rows += accounts.filter(email_folded__in=chunk).values_list(*fields)
    facts_people: dict[str, sheets.PersonFact] = {}
    facts_emails: dict[str, sheets.PersonFact] = {}
    for (pk, username, first, last, email, active, unit_code, unit_path, phone, position, collaborator,
         until) in people_rows:
        fact = sheets.PersonFact(
            pk, username, " ".join(f"{first} {last}".split()), (email or "").lower(), phone or "", position or "",
            unit_code or "", active, bool(collaborator), until,
            administered=actor.is_superuser or bool(unit_path and scope.administers(unit_path)))
        facts_people.setdefault(username.casefold(), fact)
        if fact.email:
            facts_emails.setdefault(fact.email, fact)

    group_rows = []
    for chunk in _chunks(codes):
        group_rows += WorkingGroup.objects.filter(unit__code__in=chunk).values_list("pk", "unit__code", "name",
                                                                                  "leader_id", "is_active")
    groups = {}
    for pk, unit_code, name, leader_id, active in sorted(group_rows):
        groups.setdefault((unit_code, name.casefold()), sheets.GroupFact(pk, unit_code, name, leader_id, active))
    person_ids = sorted({fact.pk for fact in facts_people.values()})
    unit_grants, members = set(), set()
    for chunk in _chunks(person_ids):
        unit_grants.update(UnitUserObjectPermission.objects.filter(user_id__in=chunk, content_object__code__in=codes)
                           .values_list("user_id", "content_object__code", "permission__codename"))
        members.update(WorkingGroupUserObjectPermission.objects.filter(
            user_id__in=chunk, content_object_id__in=[g.pk for g in groups.values()],
            permission__codename=Role.OFFICER).values_list("user_id", "content_object_id"))
    return sheets.Facts(import_unit=facts_units[import_unit.code], units=facts_units, kinds=tuple(kinds_read()),
                        people=facts_people, emails=facts_emails, groups=groups, unit_grants=frozenset(unit_grants),
                        group_members=frozenset(members))


# --- confirm and write ----------------------------------------------------------------
def organisation_import_confirm(*, import_id: int, actor, invite: bool = False,
                                base_url: str = "") -> OrganisationImport:
    """Write the checked file: its uploader, once the check found no error
    and something to write. The write is a job queued after this commits
    (``organisation_import_commit_run``); ``invite``: e-mail an invitation to
    each person it creates who has an e-mail address, once it is written."""
    with transaction.atomic():
        run = _locked(import_id)
        _require_works_on(actor, run)
        if run.status != ImportStatus.CHECKED:
            if run.status == ImportStatus.COMMITTED:
                raise Conflict(_("This import is already written."))
            raise _busy(run)
        if run.errors:
            raise ValidationError(_("The file has rows with an error: fix them in the file and upload it again. "
                                    "Nothing was written."))
        if not (run.created or run.updated):
            raise ValidationError(_("Everything in the file is already in place: there is nothing to write."))
        OrganisationImport.objects.filter(pk=run.pk).update(status=ImportStatus.COMMITTING, failure="",
                                                            invite=invite, base_url=base_url[:255])
        OrganisationImportProgress.objects.filter(organisation_import_id=run.pk).update(
            done=0, total=_actions_of(run.plan), updated_at=clock.now())
        run_id = run.pk
        jobs.after_commit("workflows.administration.import_jobs.organisation_import_commit",
                                                 run_id, task_name=f"org-import-commit-{run_id}",
                                                 timeout=COMMIT_TIMEOUT_SECONDS)
    return OrganisationImport.objects.defer("content", "rows").get(pk=import_id)


def _actions_of(plan: dict) -> int:
    return sum(value for key, value in plan.items() if key != "invitable")


class _Changed(Exception):
    """The organisation changed since the check: the file now has errors."""

    def __init__(self, plan: sheets.Plan):
        self.plan = plan


class _RowRefused(Exception):
    """An organisation service refused a row at write time."""

    def __init__(self, where: sheets.Where, messages: list[str]):
        self.where, self.messages = where, messages


def _call(where: sheets.Where, service, **kwargs):
    try:
        return service(**kwargs)
    except (ValidationError, DomainError) as error:
        raise _RowRefused(where, list(error.messages)) from error


def organisation_import_commit_run(*, import_id: int, live_progress: bool = False,
                                   report: Callable[[int, int], None] | None = None) -> None:
    """The work of a write (a job), in ONE transaction: lock the import and
    go on only if it is still to be written (a job delivered twice finds it
    written and does nothing); check the file again against the database as
    it is now; write every row through the organisation services with the
    uploader as the actor; record the import in the organisation's history;
    mark it written. Any refusal — a row the organisation no longer accepts,
    a permission lost — leaves nothing written. Invitations go after the
    commit, to the people it created."""
    progress = None
    created_people: list[tuple[int, str, str]] = []
    try:
        with transaction.atomic():
            run = _locked(import_id)
            if run.status != ImportStatus.COMMITTING:
                return
            actor = run.created_by
            if not (actor.is_active and can_administer_unit(actor, run.unit)):
                raise PermissionDenied
            plan = _plan_of(run, _content(import_id))
            if plan.errors:
                raise _Changed(plan)
            progress = LiveProgress(table=OrganisationImportProgress._meta.db_table,
                                    key_column="organisation_import_id", key=import_id, total=plan.actions,
                                    live=live_progress, report=report)
            created_people = _plan_write(plan, actor=actor, progress=progress)
            counts = {key: value for key, value in plan.counts().items() if key != "invitable"}
            org.change_record(
                actor=actor, action=ChangeAction.IMPORTED, unit=run.unit, summary=_(
                    "Organisation imported from “%(file)s”: %(units)d unit(s) created, %(people)d account(s) "
                    "created, %(groups)d working group(s) created, %(roles)d role(s) granted") % {
                    "file": run.file_name, "units": counts["units_created"], "people": counts["people_created"],
                    "groups": counts["groups_created"], "roles": counts["roles_granted"] + counts["members_added"]},
                after={"file": run.file_name, **counts})
            OrganisationImport.objects.filter(pk=import_id).update(
                status=ImportStatus.COMMITTED, committed_at=clock.now(), content=b"", result=counts)
            import_finished(what="organisation", import_id=run.pk, unit=run.unit, file_name=run.file_name,
                            counts=counts)
    except _Changed as changed:
        _verdicts_store(run, changed.plan, status=ImportStatus.FAILED, failure=_(
            "The organisation changed since the check, and some rows are no longer right: see the rows with an "
            "error. Nothing was written."))
        return
    except PermissionDenied:
        _fail(import_id, None, _("You no longer administer “%(unit)s”: nothing was written.") % {"unit": run.unit.name})
        return
    except _RowRefused as refused:
        _fail(import_id, None, _("%(sheet)s, row %(row)d: %(reason)s Nothing was written: check the file again.") % {
            "sheet": sheets.sheet_title(refused.where.sheet), "row": refused.where.number,
            "reason": " ".join(refused.messages)})
        return
    except (IntegrityError, OperationalError):
        _fail(import_id, None, _("Someone changed the same units or accounts while the file was being written: "
                                 "nothing was written. Check the file again, then confirm."))
        return
    except Exception:
        _fail(import_id, None, _("The write stopped on an unexpected error: nothing was written. Check the file "
                                 "again; if it fails again, tell the technical administrator."))
        raise
    finally:
        if progress is not None:
            progress.close()
    OrganisationImportProgress.objects.filter(organisation_import_id=import_id).update(
        done=plan.actions, total=plan.actions, updated_at=clock.now())
    if run.invite:
        _invitations_send(run, actor, created_people)


def _plan_write(plan: sheets.Plan, *, actor, progress: LiveProgress) -> list[tuple[int, str, str]]:
    """Call the organisation services, in the plan's order: units (parents
    first), working groups, accounts, roles and memberships, leaders.
    Returns the accounts created: (id, user name, e-mail)."""
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if done % WRITE_REPORT_EVERY == 0 or done == plan.actions:
            progress(done)

    codes = ({u.parent for u in plan.units_create} | {p.unit for p in plan.people_create + plan.people_update}
             | {g.unit for g in plan.grants + plan.leaders} | {key.unit for _w, key in plan.groups_create})
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    kinds = {kind.pk: kind for kind in UnitKind.objects.all()}
    for action in plan.units_create:
        units[action.code] = _call(action.where, org.unit_create, name=action.name, code=action.code,
                                   kind=kinds[action.kind_id], parent=units[action.parent], actor=actor)
        step()
    for action in plan.units_update:
        _call(action.where, org.unit_rename, unit_id=action.pk, name=action.name, actor=actor,
              kind=kinds.get(action.kind_id))
        step()

    def group_id(unit_code: str, name: str) -> tuple[str, str]:
        return unit_code, name.casefold()

    groups = {group_id(code, name): group for group, code, name in (
        (g, g.unit.code, g.name) for g in WorkingGroup.objects.filter(unit__code__in=codes).select_related("unit"))}
    for where, key in plan.groups_create:
        groups[group_id(key.unit, key.name)] = _call(where, org.working_group_create, unit=units[key.unit],
                                                     name=key.name, actor=actor)
        step()
    usernames = {g.username.casefold() for g in plan.grants + plan.leaders} | {
        p.username.casefold() for p in plan.people_update}
    people = {}
    for chunk in _chunks(usernames):
        people.update({user.username.casefold(): user for user in User.objects.annotate(
            username_folded=Lower("username")).filter(username_folded__in=chunk)})
    created = []
    for action in plan.people_create:
        person = _call(action.where, org.person_create, username=action.username, full_name=action.full_name,
                       unit=units[action.unit], actor=actor, email=action.email, phone=action.phone,
                       position=action.position, is_collaborator=action.is_collaborator,
                       access_until=action.access_until)
        people[action.username.casefold()] = person
        created.append((person.pk, person.username, person.email))
        step()
    for action in plan.people_update:
        _call(action.where, org.person_update, person_id=action.pk, actor=actor, full_name=action.full_name,
              email=action.email, phone=action.phone, position=action.position, unit=units[action.unit],
              is_collaborator=action.is_collaborator, access_until=action.access_until)
        step()
    for grant in plan.grants:
        person = people[grant.username.casefold()]
        if grant.role in sheets.UNIT_ROLE_OF:
            _call(grant.where, org.unit_role_grant, unit=units[grant.unit], user=person,
                  role=sheets.UNIT_ROLE_OF[grant.role], actor=actor)
        else:
            _call(grant.where, org.working_group_member_add, group=groups[group_id(grant.unit, grant.group.name)],
                  user=person, actor=actor, access_until=grant.access_until)
        step()
    for grant in plan.leaders:
        _call(grant.where, org.working_group_leader_set, group_id=groups[group_id(grant.unit, grant.group.name)].pk,
              leader=people[grant.username.casefold()], actor=actor)
        step()
    return created


def _invitations_send(run: OrganisationImport, actor, created: list[tuple[int, str, str]]) -> None:
    """E-mail the people the import created (those with an address) a link
    to choose their password; one that cannot be sent does not stop the others."""
    sent, not_sent = 0, []
    for pk, username, email in created:
        if not email:
            not_sent.append([username, _("no e-mail address")])
            continue
        try:
            person_invite(person_id=pk, actor=actor, base_url=run.base_url)
            sent += 1
        except (DomainError, ValidationError, PermissionDenied) as error:
            reason = "; ".join(getattr(error, "messages", [])) or _("refused")
            not_sent.append([username, reason])
    OrganisationImport.objects.filter(pk=run.pk).update(
        result={**run_result(run.pk), "invited": sent, "not_invited": not_sent})


def run_result(import_id: int) -> dict:
    return OrganisationImport.objects.filter(pk=import_id).values_list("result", flat=True)[0]


# --- the pages --------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgressShown:
    done: int
    total: int
    stalled: bool


def import_progress_of(run: OrganisationImport, *, now) -> ProgressShown:
    """How far the import's job got, and whether it stopped reporting."""
    row = OrganisationImportProgress.objects.filter(organisation_import_id=run.pk).first()
    if row is None:
        return ProgressShown(0, 0, False)
    quiet = (now - row.updated_at).total_seconds() if row.updated_at else 0
    return ProgressShown(row.done, max(row.total, row.done), quiet > STALLED_AFTER_SECONDS)


@dataclass(frozen=True)
class RowShown:
    sheet: str  # the sheet's title
    number: int
    key: str
    name: str
    outcome: str
    messages: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]


#: What the write does, by kind, as the page and the history name it.
PLAN_LABELS = (
    ("units_created", gettext_lazy("Units to create")), ("units_updated", gettext_lazy("Units to rename")),
    ("groups_created", gettext_lazy("Working groups to create")),
    ("people_created", gettext_lazy("Accounts to create")), ("people_updated", gettext_lazy("Accounts to update")),
    ("roles_granted", gettext_lazy("Unit roles to grant")), ("members_added", gettext_lazy("Group members to add")),
    ("leaders_set", gettext_lazy("Group leaders to set")),
)
RESULT_LABELS = (
    ("units_created", gettext_lazy("Units created")), ("units_updated", gettext_lazy("Units renamed")),
    ("groups_created", gettext_lazy("Working groups created")), ("people_created", gettext_lazy("Accounts created")),
    ("people_updated", gettext_lazy("Accounts updated")), ("roles_granted", gettext_lazy("Unit roles granted")),
    ("members_added", gettext_lazy("Group members added")), ("leaders_set", gettext_lazy("Group leaders set")),
)


@dataclass(frozen=True)
class ImportPage:
    """An import's page: the rows by outcome (errors first), the summary of
    what the write does or did, the progress of its job, what may be done next."""

    run: OrganisationImport
    counts: tuple[tuple[str, str, int], ...]  # (outcome, label, rows)
    shown: str
    page: Page
    query: str
    has_rows: bool
    running: bool
    progress: ProgressShown
    plan: tuple[tuple[str, int], ...]  # (label, count): what the write does
    result: tuple[tuple[str, int], ...]  # (label, count): what it did
    invitable: int
    invited: int | None
    not_invited: tuple[tuple[str, str], ...]
    can_confirm: bool
    can_recheck: bool
    nothing_to_write: bool


def import_page(run: OrganisationImport, *, outcome: str, page_number: int | None, now) -> ImportPage:
    count_of = {RowOutcome.ERROR: run.errors, RowOutcome.CREATE: run.created, RowOutcome.UPDATE: run.updated,
                RowOutcome.UNCHANGED: run.unchanged}
    order = (RowOutcome.ERROR, RowOutcome.CREATE, RowOutcome.UPDATE, RowOutcome.UNCHANGED)
    shown = outcome or next((value for value in order if count_of[value]), RowOutcome.CREATE)
    has_rows = run.status in (ImportStatus.CHECKED, ImportStatus.COMMITTING, ImportStatus.COMMITTED) or (
        run.status == ImportStatus.FAILED and run.rows_total > 0)
    rows = []
    if has_rows:
        stored = OrganisationImport.objects.filter(pk=run.pk).values_list("rows", flat=True)[0]
        titles = {kind: sheets.sheet_title(kind) for kind in (sheets.UNITS, sheets.PEOPLE)}
        rows = [RowShown(titles[row["sheet"]], row["row"], row["key"], row["name"], row["outcome"],
                         tuple((column, text) for column, text in row["messages"]), tuple(row["notes"]))
                for row in stored if row["outcome"] == shown]
    page = Paginator(rows, 50).get_page(page_number)
    result = run.result or {}
    return ImportPage(
        run=run, counts=tuple((value, RowOutcome(value).label, count_of[value]) for value in order), shown=shown,
        page=page, query=f"outcome={shown}", has_rows=has_rows,
        running=run.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING),
        progress=import_progress_of(run, now=now),
        plan=tuple((str(label), run.plan.get(key, 0)) for key, label in PLAN_LABELS if run.plan.get(key)),
        result=tuple((str(label), result.get(key, 0)) for key, label in RESULT_LABELS if result.get(key)),
        invitable=run.plan.get("invitable", 0), invited=result.get("invited"),
        not_invited=tuple((username, reason) for username, reason in result.get("not_invited", [])),
        can_confirm=run.status == ImportStatus.CHECKED and not run.errors and bool(run.created or run.updated),
        can_recheck=run.status in (ImportStatus.CHECKED, ImportStatus.FAILED, ImportStatus.UPLOADED) or (
            run.status == ImportStatus.CHECKING and import_progress_of(run, now=now).stalled),
        nothing_to_write=run.status == ImportStatus.CHECKED and not run.errors and not (run.created or run.updated))


def errors_file(run: OrganisationImport):
    """Every row of the file with its errors (an XLSX file object), to fix and upload again."""
    stored = OrganisationImport.objects.filter(pk=run.pk).values_list("rows", flat=True)[0]
    return sheets.errors_workbook(stored, headers=run.columns)
