"""The access matrix discovers the routes itself.

It walks the URL configuration; every route that takes an object id is
requested by every role, by GET and by POST, with objects inside the role's
scope and with objects of another province that no role here may see. Out of
scope answers 404 and writes nothing; in scope never answers 500. A new route
with an object id that FILLERS below does not know fails the test until
someone teaches it how to fill the id.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from viewflow.workflow.models import Task as FlowTask

from tests.conftest import ROLES, build_world, campaign_at
from tests.factories import EnterpriseFactory, UserFactory, next_tax_code, unit, working_group
from workflows.administration import reference
from workflows.administration.models import OrganisationImport
from workflows.api.models import AccessToken
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import (
    Application,
    Campaign,
    CampaignEvent,
    CommitteeMember,
    FollowUp,
    RuleSet,
    StageTaskTemplate,
    Task,
)
from workflows.core import clock
from workflows.enterprises.models import Enterprise, ImportBatch
from workflows.notifications.models import Notification, NotificationPreference
from workflows.organisation.models import (
    CalendarDay,
    ChangeRecord,
    Unit,
    UnitUserObjectPermission,
    WorkingGroupUserObjectPermission,
)
from workflows.people.models import (
    Assessment,
    Conversation,
    SurveyRound,
    SurveyVisit,
    Worker,
    WorkerChange,
    WorkerImport,
)
from workflows.recognition.models import Dossier, DossierDocument
from workflows.statistics.models import (
    Estimate,
    KeptFigures,
    MemberCensus,
    MemberMovement,
    Milestone,
    Programme,
    Target,
)
from workflows.webhooks.models import Delivery, Event as WebhookEvent, Subscription

# Routes outside the matrix, and why.
NOT_OBJECT_ROUTES = {"admin"}  # Django admin: staff only, reference data, its own permission checks
# Links sent by e-mail: a signed token, not an object id; anyone may open them,
# and a forged, used or expired token gets the page that says the link no longer
# works (tests/accounts test them, and that they are not interchangeable).
TOKEN_ROUTES = {"accounts:invitation", "accounts:password_reset_confirm"}


@dataclass
class Objects:
    campaign: Campaign
    task: Task
    enterprise: Enterprise  # without an open campaign
    officer: object


def _import_batch(o: Objects):
    """A checked import into the unit of ``o.enterprise``, uploaded by a
    supervisor of that unit (made once per set of objects)."""
    if getattr(o, "import_batch", None) is None:
        from workflows.enterprises.services import import_upload

        unit_obj = o.enterprise.responsible_unit
        paths = [unit_obj.path[:end] for end in range(Unit.steplen, len(unit_obj.path) + 1, Unit.steplen)]
        grant = (UnitUserObjectPermission.objects.filter(permission__codename="supervise_unit",
                                                         content_object__path__in=paths)
                 .select_related("user").first())
        o.import_batch = import_upload(actor=grant.user, unit=unit_obj, file_name="danh-sach.csv", content=(
            f"Mã số thuế,Tên doanh nghiệp,Số lao động\n{next_tax_code()},Công ty TNHH Nhập Khẩu,30\n"
            f"0300588560,Công ty Sai Mã,x\n").encode())
    return o.import_batch


def _review(o: Objects):
    """A campaign of the unit and working group of ``o.campaign``, driven to
    its founding congress by the unit's supervisor and ``o.officer``, whose
    complete recognition dossier is submitted: (campaign, verification step,
    a document). Made once per set of objects."""
    if getattr(o, "review", None) is None:
        from tests.recognition.dossiers import fill, waiting
        from workflows.campaigns import services
        from workflows.core import clock
        from workflows.recognition.models import DossierDocument
        from workflows.recognition.services import dossier_submit

        unit_obj = o.campaign.responsible_unit
        paths = [unit_obj.path[:end] for end in range(Unit.steplen, len(unit_obj.path) + 1, Unit.steplen)]
        supervisor = (UnitUserObjectPermission.objects.filter(permission__codename="supervise_unit",
                                                              content_object__path__in=paths)
                      .select_related("user").first().user)
        today = clock.today()
        campaign = services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=unit_obj).pk,
                                          actor=supervisor, working_group_id=o.campaign.working_group_id)
        services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=o.officer,
                                     data={"held_on": today, "outcome": "supportive"})
        services.campaign_transition(campaign_id=campaign.pk, name="form_committee", actor=o.officer, data={
            "formed_on": today, "members": [services.CommitteeMemberData(f"Công nhân {i}") for i in range(3)]})
        services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=o.officer,
                                     data={"applications": 6, "congress_on": today})
        fill(campaign, o.officer)
        dossier_submit(campaign_id=campaign.pk, actor=o.officer)
        o.review = (campaign, waiting(campaign, "verify"), DossierDocument.objects.filter(
            dossier__campaign=campaign).first())
    return o.review


def _organisation_import(o: Objects):
    """An organisation import under the unit of ``o.campaign``, uploaded by
    an administrator of it (the technical superuser where nobody administers
    it); its check is queued, not run. Made once per set of objects."""
    if getattr(o, "organisation_import", None) is None:
        from django.contrib.auth import get_user_model

        from tests.administration.org_sheets import organisation_workbook
        from workflows.administration.imports import organisation_import_upload

        unit_obj = o.campaign.responsible_unit
        paths = [unit_obj.path[:end] for end in range(Unit.steplen, len(unit_obj.path) + 1, Unit.steplen)]
        grant = (UnitUserObjectPermission.objects.filter(permission__codename="administer_unit",
                                                         content_object__path__in=paths)
                 .select_related("user").first())
        uploader = grant.user if grant else get_user_model().objects.filter(is_superuser=True).first()
        o.organisation_import = organisation_import_upload(
            actor=uploader, unit=unit_obj, file_name="to-chuc.xlsx",
            content=organisation_workbook([("cdcs-moi", "Công đoàn cơ sở mới", "", "grassroots")], []))
    return o.organisation_import


def _reference(o: Objects):
    """The reference data of the unit of ``o.campaign``, its own: a stage
    task template, a rule set from next year, an extra day off next year
    (made by the technical superuser, once per set of objects)."""
    if getattr(o, "reference", None) is None:
        superuser = get_user_model().objects.get(username="admin")
        unit_id = o.campaign.responsible_unit_id
        next_year = clock.today().year + 1
        o.reference = (
            reference.task_template_create(actor=superuser, unit_id=unit_id, values=reference.TemplateValues(
                stage="surveyed", title="Khảo sát bổ sung")),
            reference.rule_set_create(actor=superuser, unit_id=unit_id, values=reference.RuleSetValues(
                name="Quy định của tỉnh", effective_from=dt.date(next_year, 1, 1))),
            reference.calendar_day_create(actor=superuser, unit_id=unit_id, values=reference.DayValues(
                date=dt.date(next_year, 3, 2), is_working_day=False, name="Nghỉ bù")),
        )
    return o.reference


# url name → how to fill its kwargs from a set of objects.
def _programme(o: Objects):
    """A programme of the unit of ``o.campaign``, created by a supervisor of
    it (made once per set of objects)."""
    if getattr(o, "programme", None) is None:
        from workflows.statistics.models import ProgrammeBasis
        from workflows.statistics.services import programme_create

        unit_obj = o.campaign.responsible_unit
        paths = [unit_obj.path[:end] for end in range(Unit.steplen, len(unit_obj.path) + 1, Unit.steplen)]
        supervisor = (UnitUserObjectPermission.objects.filter(permission__codename="supervise_unit",
                                                              content_object__path__in=paths)
                      .select_related("user").first().user)
        o.programme = programme_create(unit_id=unit_obj.pk, name="Kế hoạch năm", basis_kind=ProgrammeBasis.YEAR_PLAN,
                                       start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), actor=supervisor)
    return o.programme


def _worker(o: Objects):
    """A worker of the enterprise of ``o.campaign``, entered by its officer
    (made once per set of objects)."""
    if getattr(o, "worker", None) is None:
        from workflows.campaigns import register
        from workflows.people.services import WorkerData

        o.worker = register.worker_add(campaign_id=o.campaign.pk, actor=o.officer,
                                       data=WorkerData(full_name="Nguyễn Thị Mẫu", department="Xưởng may"))
    return o.worker


def _worker_import(o: Objects):
    """An import of workers into the enterprise of ``o.campaign``, uploaded
    by its officer; its check has run (the jobs run inline in the tests)."""
    if getattr(o, "worker_import", None) is None:
        from workflows.campaigns.worker_imports import worker_import_start

        o.worker_import = worker_import_start(
            campaign_id=o.campaign.pk, actor=o.officer, file_name="nguoi-lao-dong.csv",
            content="Họ và tên,Năm sinh,Bộ phận,Số CCCD\nTrần Văn Mới,1994,Kho,027094001122\n,1990,Kho,12\n".encode())
    return o.worker_import


def _survey(o: Objects):
    """A survey round of the unit of ``o.campaign`` listing ``o.enterprise``,
    and a visit to it, by a supervisor of that unit (made once per set of objects)."""
    if getattr(o, "survey", None) is None:
        from workflows.people.surveys import RoundData, VisitData, survey_round_create, survey_visit_record

        unit_obj = o.campaign.responsible_unit
        paths = [unit_obj.path[:end] for end in range(Unit.steplen, len(unit_obj.path) + 1, Unit.steplen)]
        supervisor = (UnitUserObjectPermission.objects.filter(permission__codename="supervise_unit",
                                                              content_object__path__in=paths)
                      .select_related("user").first().user)
        today = clock.today()
        survey_round = survey_round_create(actor=supervisor, data=RoundData(
            unit_id=unit_obj.pk, name="Khảo sát tháng Công nhân", starts_on=today - dt.timedelta(days=10),
            ends_on=today + dt.timedelta(days=20), enterprise_ids=(o.enterprise.pk,)))
        visit = survey_visit_record(enterprise_id=o.enterprise.pk, actor=supervisor, data=VisitData(
            visited_on=today, workforce=120, round_id=survey_round.pk))
        o.survey = survey_round, visit
    return o.survey


def _notification(o: Objects):
    """A notification of the officer of the set (made once per set of objects)."""
    if getattr(o, "notification", None) is None:
        from workflows.notifications.services import Draft, notifications_create

        o.notification = notifications_create(drafts=[Draft(o.officer.pk, "campaign_assigned", {
            "enterprise": "Công ty Mẫu", "group": "Tổ"}, url="/campaigns/")])[0]
    return o.notification


def _token(o: Objects):
    if getattr(o, "token", None) is None:
        from workflows.api.tokens import token_create

        o.token, _key = token_create(user=o.officer, name="Hệ thống báo cáo", scope="read", days=30)
    return o.token


def _webhook(o: Objects):
    """A subscription of the unit of ``o.campaign`` (made by the technical
    superuser) and the delivery of a test event to it, still waiting."""
    if getattr(o, "webhook", None) is None:
        from workflows.webhooks import services as webhooks

        superuser = get_user_model().objects.get(username="admin")
        subscription, _secret = webhooks.subscription_create(
            actor=superuser, unit_id=o.campaign.responsible_unit_id, url="https://bao-cao.example.vn/hooks",
            kinds=["campaign.moved"])
        o.webhook = (subscription, webhooks.ping_send(subscription_id=subscription.pk, actor=superuser))
    return o.webhook


def _kept_figures(o: Objects):
    """A past day's dashboard of the unit of ``o.campaign`` asked for by its officer (made once per set)."""
    if getattr(o, "kept_figures", None) is None:
        import datetime as dt

        from workflows.statistics import kept_figures

        o.kept_figures = kept_figures.ask(actor=o.officer, key=kept_figures.overview_key(
            o.campaign.responsible_unit_id, span="year", year=2026, month=1, months=1, day=dt.date(2026, 1, 31),
            can_plan=False))
    return o.kept_figures


FILLERS = {
    # the API (/api/v1/): the same objects, the same scope
    "api:unit-detail": lambda o: {"pk": o.campaign.responsible_unit_id},
    # a token of the officer of the set: nobody else's to revoke (404), the officer's own 302
    "api:token_revoke": lambda o: {"pk": _token(o).pk},
    "api:workinggroup-detail": lambda o: {"pk": o.campaign.working_group_id},
    "api:campaign-detail": lambda o: {"pk": o.campaign.pk},
    "api:enterprise-detail": lambda o: {"pk": o.enterprise.pk},
    "api:caseworker-list": lambda o: {"pk": o.campaign.pk},
    "api:caseconversation-list": lambda o: {"pk": o.campaign.pk},
    **{f"api:caseworker-{name}": lambda o: {"pk": o.campaign.pk, "worker_id": _worker(o).pk}
       for name in ("detail", "assessments")},
    "api:enterprisesurveyvisit-list": lambda o: {"enterprise_pk": o.enterprise.pk},
    "api:surveyvisit-detail": lambda o: {"pk": _survey(o)[1].pk},
    "api:programme-detail": lambda o: {"pk": _programme(o).pk},
    "api:notification-read": lambda o: {"pk": _notification(o).pk},
    "api:campaign-history": lambda o: {"pk": o.campaign.pk},
    "api:campaign-transition": lambda o: {"pk": o.campaign.pk, "name": "hold"},
    **{f"api:task-{name}": lambda o: {"pk": o.task.pk} for name in ("detail", "claim", "complete", "reassign")},
    "people:round": lambda o: {"pk": _survey(o)[0].pk},
    "people:round_edit": lambda o: {"pk": _survey(o)[0].pk},
    "people:visit_add": lambda o: {"enterprise_pk": o.enterprise.pk},
    **{f"people:{name}": lambda o: {"pk": _survey(o)[1].pk} for name in ("visit", "visit_edit", "visit_open_campaign")},
    **{f"campaigns:{name}": lambda o: {"pk": o.campaign.pk} for name in (
        "workers", "worker_add", "conversations", "conversation_add", "wall_chart", "field", "register",
        "committee_choose", "applications", "application_add", "worker_import", "worker_import_template")},
    **{f"campaigns:{name}": lambda o: {"pk": o.campaign.pk, "worker_id": _worker(o).pk} for name in (
        "worker", "worker_edit", "worker_consent", "worker_withdraw", "worker_assess", "worker_leader",
        "worker_quick", "worker_quick_conversation", "application_withdraw", "application_form")},
    **{f"campaigns:{name}": lambda o: {"pk": o.campaign.pk, "import_pk": _worker_import(o).pk} for name in (
        "worker_import_status", "worker_import_confirm", "worker_import_cancel", "worker_import_errors")},
    "recognition:member_list_generate": lambda o: {"pk": _review(o)[0].pk},
    "recognition:member_list_download": lambda o: {"pk": _review(o)[0].pk, "file_format": "docx"},
    "campaigns:follow_up_fail": lambda o: {"pk": o.campaign.pk},
    "statistics:programme": lambda o: {"pk": _programme(o).pk},
    "statistics:kept_status": lambda o: {"pk": _kept_figures(o).pk},
    "statistics:programme_edit": lambda o: {"pk": _programme(o).pk},
    "campaigns:detail": lambda o: {"pk": o.campaign.pk},
    "campaigns:transition": lambda o: {"pk": o.campaign.pk, "name": "hold"},
    "campaigns:move_refused": lambda o: {"pk": o.campaign.pk},
    "campaigns:meeting": lambda o: {"pk": o.campaign.pk},
    "campaigns:counts": lambda o: {"pk": o.campaign.pk},
    "campaigns:committee": lambda o: {"pk": o.campaign.pk},
    "campaigns:committee_export": lambda o: {"pk": o.campaign.pk},
    "campaigns:note": lambda o: {"pk": o.campaign.pk},
    "campaigns:task_add": lambda o: {"pk": o.campaign.pk},
    "campaigns:assign": lambda o: {"pk": o.campaign.pk},
    "campaigns:task_complete": lambda o: {"pk": o.task.pk},
    "campaigns:task_claim": lambda o: {"pk": o.task.pk},
    "campaigns:task_reopen": lambda o: {"pk": o.task.pk},
    "campaigns:task_reassign": lambda o: {"pk": o.task.pk},
    "campaigns:open": lambda o: {"enterprise_pk": o.enterprise.pk},
    "enterprises:detail": lambda o: {"pk": o.enterprise.pk},
    "enterprises:edit": lambda o: {"pk": o.enterprise.pk},
    "organisation:officer_tasks": lambda o: {"user_pk": o.officer.pk},
    "enterprises:import_batch": lambda o: {"pk": _import_batch(o).pk},
    "enterprises:import_columns": lambda o: {"pk": _import_batch(o).pk},
    "enterprises:import_progress": lambda o: {"pk": _import_batch(o).pk},
    "enterprises:import_recheck": lambda o: {"pk": _import_batch(o).pk},
    "enterprises:import_commit": lambda o: {"pk": _import_batch(o).pk},
    "enterprises:import_rejected": lambda o: {"pk": _import_batch(o).pk},
    "recognition:dossier": lambda o: {"pk": _review(o)[0].pk},
    "recognition:upload": lambda o: {"pk": _review(o)[0].pk},
    "recognition:submit": lambda o: {"pk": _review(o)[0].pk},
    "recognition:document": lambda o: {"pk": _review(o)[0].pk, "doc_pk": _review(o)[2].pk},
    "recognition:diagram": lambda o: {"pk": _review(o)[0].pk},
    "recognition:decision_draft": lambda o: {"pk": _review(o)[0].pk},
    "recognition:take": lambda o: {"task_pk": _review(o)[1].pk},
    "recognition:verify": lambda o: {"task_pk": _review(o)[1].pk},
    "recognition:decide": lambda o: {"task_pk": _review(o)[1].pk},
    "recognition:reassign": lambda o: {"task_pk": _review(o)[1].pk},
    **{f"administration:{name}": lambda o: {"pk": o.officer.pk} for name in (
        "person", "person_edit", "person_invite", "role_grant", "role_revoke", "person_deactivate",
        "person_reactivate", "person_second_factor_reset")},
    **{f"administration:{name}": lambda o: {"pk": o.campaign.working_group_id} for name in (
        "group", "group_rename", "member_add", "member_remove", "group_leader", "group_close")},
    **{f"administration:{name}": lambda o: {"pk": o.campaign.responsible_unit_id} for name in (
        "unit", "unit_create", "unit_edit", "unit_move", "unit_close")},
    **{f"administration:reference:{name}": lambda o: {"unit_pk": o.campaign.responsible_unit_id} for name in (
        "unit", "template_add", "checklist_copy", "rule_set_add", "day_add")},
    **{f"administration:reference:{name}": lambda o: {"unit_pk": o.campaign.responsible_unit_id,
                                                      "pk": _reference(o)[0].pk}
       for name in ("template_edit", "template_deactivate")},
    **{f"administration:reference:{name}": lambda o: {"unit_pk": o.campaign.responsible_unit_id,
                                                      "pk": _reference(o)[1].pk}
       for name in ("rule_set_edit", "rule_set_withdraw")},
    **{f"administration:reference:{name}": lambda o: {"unit_pk": o.campaign.responsible_unit_id,
                                                      "pk": _reference(o)[2].pk}
       for name in ("day_edit", "day_withdraw")},
    **{f"administration:{name}": lambda o: {"pk": _organisation_import(o).pk} for name in (
        "import_batch", "import_progress", "import_recheck", "import_confirm", "import_errors")},
    # -- fillers: imports over the API
    **{f"api:enterpriseimport-{name}": lambda o: {"pk": _import_batch(o).pk} for name in (
        "detail", "columns", "check", "confirm", "rows")},
    "api:caseworkerimport-list": lambda o: {"pk": o.campaign.pk},
    **{f"api:caseworkerimport-{name}": lambda o: {"pk": o.campaign.pk, "import_id": _worker_import(o).pk}
       for name in ("detail", "confirm", "cancel", "rows", "errors")},
    **{f"api:organisationimport-{name}": lambda o: {"pk": _organisation_import(o).pk} for name in (
        "detail", "check", "confirm", "errors")},
    # -- fillers: the register over the API
    **{f"api:{name}": lambda o: {"pk": o.campaign.pk, "worker_id": _worker(o).pk} for name in (
        "caseworker-consent", "caseworker-consent-withdrawal", "caseworker-leader", "caseworker-history",
        "caseapplication-withdrawal")},
    **{f"api:{name}": lambda o: {"pk": o.campaign.pk} for name in (
        "casecommittee", "caseapplication-list", "campaign-register")},
    "api:person-detail": lambda o: {"pk": o.officer.pk},
    # -- fillers: statistics over the API
    "api:programme-milestones": lambda o: {"pk": _programme(o).pk},
    **{f"api:unit-{name}": lambda o: {"unit_pk": o.campaign.responsible_unit_id}
       for name in ("targets", "allocations")},
    # -- fillers: exports as jobs
    # a prepared registry file of the set's officer (tests/exports/helpers.py): only that officer's
    **{f"exports:{name}": lambda o: {"pk": __import__("tests.exports.helpers", fromlist=["run_of"]).run_of(o).pk}
       for name in ("detail", "progress", "download")},
    # -- fillers: webhooks
    **{f"administration:webhooks:{name}": lambda o: {"pk": _webhook(o)[0].pk} for name in (
        "detail", "edit", "switch", "ping", "secret", "delete")},
    "administration:webhooks:retry": lambda o: {"pk": _webhook(o)[1].pk},
    **{f"api:webhook-{name}": lambda o: {"pk": _webhook(o)[0].pk} for name in (
        "detail", "switch", "secret", "ping", "deliveries")},
}

# Plausible form data, so that a request would get past form validation.
POST_DATA = {
    "expected_stage": "employer_contacted", "note": "ghi chú", "text": "ghi chú", "reason": "merged",
    "version": "0", "held_on": "01/11/2026", "outcome": "neutral", "workforce": "100", "core_group": "3",
    "applications": "3", "title": "Việc", "due_on": "30/12/2026", "members": "Nguyễn Văn A", "name": "Công ty",
    "ownership_sector": "fdi", "to_user": "1", "scope": "all", "confirmed": "1", "kind": "member_list",
    "complete": "yes", "approve": "yes", "decision_number": "9/QĐ", "decision_date": "01/11/2026",
    "admitted_members": "6", "full_name": "Lê Thị Thử", "department": "Kho", "level": "2",
    "assessed_on": "01/11/2026", "on": "01/11/2026", "consent_on": "01/11/2026", "consent_method": "written",
    "register": "names", "applied_on": "01/11/2026", "workers": "1", "visited_on": "01/11/2026",
}


def routes(patterns=None, namespace=""):
    """(url name, kwarg names) of every named route, admin left out."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_OBJECT_ROUTES or entry.app_name in NOT_OBJECT_ROUTES:
                continue
            prefix = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            # path() routes name their kwargs by converters, re_path() ones (the API's router) by groups
            yield f"{namespace}{entry.name}", sorted(entry.pattern.converters or entry.pattern.regex.groupindex)


OBJECT_ROUTES = sorted((name, kwargs) for name, kwargs in routes() if kwargs and name not in TOKEN_ROUTES)


def test_every_route_with_an_object_id_is_known_to_the_matrix():
    unknown = [name for name, _kwargs in OBJECT_ROUTES if name not in FILLERS]
    assert unknown == [], f"teach tests/security/test_access_matrix.py FILLERS how to fill: {unknown}"


def snapshot():
    return (
        CampaignEvent.objects.count(), CommitteeMember.objects.count(), Unit.objects.count(),
        sorted(Task.objects.values_list("pk", "status", "assignee_id", "working_group_id")),
        sorted(Campaign.objects.values_list("pk", "stage", "version", "working_group_id")),
        sorted(Enterprise.objects.values_list("pk", "name", "updated_at", "has_union")),
        UnitUserObjectPermission.objects.count(), WorkingGroupUserObjectPermission.objects.count(),
        sorted(Target.objects.values_list("unit_id", "programme_id", "due_on", "metric", "source", "value",
                                          "value_max", "sector", "min_workforce")),
        sorted(Programme.objects.values_list("pk", "name", "basis_kind", "start", "end")),
        Milestone.objects.count(), MemberCensus.objects.count(), Estimate.objects.count(),
        sorted(FollowUp.objects.values_list("pk", "failed_on", "standing_on", "launch_on")),
        MemberMovement.objects.count(),
        sorted(NotificationPreference.objects.values_list("user_id", "email")),
        sorted(Notification.objects.values_list("pk", "read_at")),
        sorted(Dossier.objects.values_list("pk", "status", "version")), DossierDocument.objects.count(),
        sorted(FlowTask.objects.values_list("pk", "status", "owner_id")),
        ChangeRecord.objects.count(),
        sorted(get_user_model().objects.values_list("pk", "is_active", "password", "email", "first_name")),
        sorted(StageTaskTemplate.objects.values_list("pk", "unit_id", "title", "is_active")),
        sorted(RuleSet.objects.values_list("pk", "unit_id", "effective_from", "min_committee")),
        sorted(CalendarDay.objects.values_list("pk", "unit_id", "date", "is_working_day")),
        sorted(Unit.objects.values_list("pk", "name", "path", "is_active")),
        sorted(Worker.objects.values_list("pk", "version", "full_name", "support_level", "anonymised_at",
                                          "consent_on", "is_leader", "led_by_id")),
        Assessment.objects.count(), Conversation.objects.count(), WorkerChange.objects.count(),
        sorted(Application.objects.values_list("pk", "applied_on", "withdrawn_on", "admitted_on")),
        sorted(WorkerImport.objects.values_list("pk", "status")),
        SurveyRound.objects.count(), SurveyVisit.objects.count(),
        sorted(AccessToken.objects.values_list("pk", "revoked_at")),
        # -- snapshot: imports over the API
        sorted(ImportBatch.objects.values_list("pk", "status", "mapping", "created", "updated", "errors")),
        sorted(OrganisationImport.objects.values_list("pk", "status", "run_token")),
        # -- snapshot: the register over the API
        sorted(Campaign.objects.values_list("pk", "register", "committee_formed_on")),
        sorted(CommitteeMember.objects.values_list("campaign_id", "worker_id", "is_head")),
        sorted(Worker.objects.values_list("pk", "consent_method", "consent_withdrawn_on")),
        sorted(Application.objects.values_list("pk", "form_name", "recorded_by_id")),
        # -- snapshot: statistics over the API
        sorted(Programme.objects.values_list("pk", "unit_id", "basis")),
        sorted(KeptFigures.objects.values_list("pk", "status", "asked_at", "figures")),
        sorted(Milestone.objects.values_list("programme_id", "on", "label")),
        sorted(Target.objects.values_list("pk", "social_insurance_only", "industrial_zone")),
        # -- snapshot: exports as jobs
        __import__("tests.exports.helpers", fromlist=["snapshot"]).snapshot(),
        # -- snapshot: webhooks
        sorted(Subscription.objects.values_list("pk", "url", "is_active", "version", "secret")),
        sorted(Delivery.objects.values_list("pk", "status", "give_up_after")), WebhookEvent.objects.count(),
    )


@pytest.fixture
def scenes(db):
    """``inside``: the world's own objects; ``outside``: another province's."""
    world = build_world()
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    inside = Objects(campaign, campaign.tasks.filter(status="open").first(),
                     EnterpriseFactory(responsible_unit=world.district), world.officer)
    other_province = unit(name="Liên đoàn Lao động tỉnh Cà Mau", code="ca-mau", kind="provincial_federation",
                          actor=world.admin)
    far_supervisor = UserFactory(username="far_supervisor")
    far_officer = UserFactory(username="far_officer")
    from tests.factories import grant

    grant(other_province, far_supervisor, "supervisor", actor=world.admin)
    far_group = working_group(other_province, "Tổ Cà Mau", [far_officer], actor=world.admin)
    from workflows.campaigns import services

    far_campaign = services.campaign_open(
        enterprise_id=EnterpriseFactory(responsible_unit=other_province).pk, actor=far_supervisor,
        working_group_id=far_group.pk)
    outside = Objects(far_campaign, far_campaign.tasks.filter(status="open").first(),
                      EnterpriseFactory(responsible_unit=other_province), far_officer)
    return world, inside, outside


@pytest.mark.parametrize("role", ROLES)
def test_out_of_scope_objects_answer_404_and_write_nothing(client, scenes, role):
    world, _inside, outside = scenes
    user = world.user(role)
    if user:
        client.force_login(user)
    # every route's object made first (a filler makes its object on first use), then the database as it
    # stands before the first request: each request must leave it exactly so
    urls = [reverse(name, kwargs=FILLERS[name](outside)) for name, _kwargs in OBJECT_ROUTES]
    before = snapshot()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA if method == "post" else None)
            if role == "anonymous" and url.startswith("/api/v1/"):
                assert response.status_code == 401, (method, url)
            elif role == "anonymous":
                assert response.status_code == 302 and "/accounts/login/" in response["Location"], (method, url)
            else:
                assert response.status_code in (404, 405), (role, method, url, response.status_code)
            assert snapshot() == before, (role, method, url)


@pytest.mark.parametrize("role", ROLES)
def test_in_scope_objects_never_answer_500(client, scenes, role):
    world, inside, _outside = scenes
    user = world.user(role)
    if user:
        client.force_login(user)
    for name, _kwargs in OBJECT_ROUTES:
        url = reverse(name, kwargs=FILLERS[name](inside))
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA if method == "post" else None)
            assert response.status_code in (200, 204, 302, 400, 401, 404, 405, 409), (role, method, url,
                                                                                        response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_routes_without_ids_answer_every_role(client, scenes, role):
    world, _inside, _outside = scenes
    user = world.user(role)
    if user:
        client.force_login(user)
    for name, kwargs in routes():
        if kwargs or name in {"logout", "set_language"}:
            continue
        response = client.get(reverse(name))
        assert response.status_code in (200, 302, 401, 404, 405), (role, name, response.status_code)


# --- separation of duties in the recognition review (issue 12, #2) -----------------
@pytest.mark.parametrize("who", ["submitter", "group_member"])
def test_the_review_steps_of_a_dossier_answer_404_to_who_submitted_it_or_works_its_case(client, scenes, who):
    world, inside, _outside = scenes
    from workflows.organisation.services import working_group_member_add

    member = UserFactory(username="group_member")
    working_group_member_add(group=world.group, user=member, actor=world.admin)
    client.force_login(world.officer if who == "submitter" else member)  # the officer submitted the dossier
    steps = [name for name, kwargs in OBJECT_ROUTES if name.startswith("recognition:") and kwargs == ["task_pk"]]
    assert steps == ["recognition:decide", "recognition:reassign", "recognition:take", "recognition:verify"]
    for name in steps:
        url = reverse(name, kwargs=FILLERS[name](inside))  # the dossier is submitted on first use
        before = snapshot()
        response = client.post(url, POST_DATA)
        assert response.status_code == 404, (who, name, response.status_code)
        assert snapshot() == before, (who, name)
