"""The benchmark data generator (bench/generate.py) at a tiny scale on the
PostgreSQL test database: the exact rows it writes, a history that agrees
with the campaigns, zero summary drift, and the app's own permission
queries answering on the grants it wrote."""
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench import generate as generator
from workflows.campaigns import permissions
from workflows.campaigns.flows import OPEN_STAGES, WORKING_STAGES
from workflows.campaigns.models import Campaign, CampaignEvent, CommitteeMember, Task
from workflows.core.text import fold
from workflows.enterprises.models import Enterprise
from workflows.enterprises.validation import validate_tax_code
from workflows.organisation.models import Unit, WorkingGroup
from workflows.organisation.workdays import working_days_between
from workflows.statistics import reconcile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCALE = 0.0005
#: 34 provinces × 2 child units × 2 groups × 3 officers; 500 enterprises in
#: 25 blocks of DECK (20 campaigns, 2 recognised, 200 tasks each).
EXPECTED = {
    # admin, national manager, 34 × (manager, supervisor), 68 unit supervisors, 408 officers
    "auth_user": 546,
    "organisation_profile": 546,
    # root, 34 provinces, 68 child units, 50 CĐCS (one per recognised campaign)
    "organisation_unit": 153,
    "organisation_workinggroup": 136,
    # national manager, 34 managers, 34 + 68 supervisors
    "organisation_unituserobjectpermission": 137,
    "organisation_workinggroupuserobjectpermission": 408,
    "enterprises_enterprise": 500,
    "campaigns_campaign": 500,
    "campaigns_task": 5_000,
    # drawn from the seed (committee sizes, claimed and completed tasks), not from the day of the run
    "campaigns_committeemember": 731,
    "people_worker": 731,
    "campaigns_campaignevent": 8_267,
}


@pytest.fixture
def generated(reference_data, tmp_path):
    summary = generator.generate(SCALE, out=tmp_path / "generated.json", log=lambda message: None)
    assert json.loads((tmp_path / "generated.json").read_text(encoding="utf-8")) == summary
    return summary


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_exact_rows_and_refusal_of_a_full_database(generated):
    assert {table: generated["counts"][table] for table in EXPECTED} == EXPECTED
    stages = dict(Campaign.objects.values_list("stage").annotate(n=Count("pk")))
    assert stages == {"surveyed": 200, "employer_contacted": 75, "mobilising_committee": 50,
                      "founding_congress": 25, "on_hold": 25, "recognised": 50, "abandoned": 75}
    assert not (Campaign.objects.filter(stage__in=OPEN_STAGES).values("enterprise").annotate(n=Count("pk"))
                .filter(n__gt=1).exists())
    for tax_code in Enterprise.objects.values_list("tax_code", flat=True):
        validate_tax_code(tax_code)
    assert get_user_model().objects.get(username=generated["samples"]["officer_username"]).check_password("bench")
    with pytest.raises(generator.DatabaseNotEmpty):
        generator.generate(SCALE, log=lambda message: None)


def test_history_agrees_with_the_campaigns(generated):
    # The stage of every campaign is the to_stage of its last opened/stage event.
    assert rows("""
        SELECT c.id FROM campaigns_campaign c
        LEFT JOIN LATERAL (SELECT to_stage FROM campaigns_campaignevent e
                           WHERE e.campaign_id = c.id AND e.kind IN ('opened', 'stage')
                           ORDER BY e.at DESC, e.id DESC LIMIT 1) last ON true
        WHERE last.to_stage IS DISTINCT FROM c.stage""") == []
    assert rows("SELECT campaign_id FROM campaigns_campaignevent WHERE kind = 'opened' "
                "GROUP BY 1 HAVING count(*) <> 1") == []
    assert CampaignEvent.objects.filter(kind="opened").count() == 500
    # days_in_stage is what the services' working calendar says.
    entered = {}
    for event in CampaignEvent.objects.filter(kind__in=["opened", "stage"]).order_by("campaign", "at", "pk"):
        if event.kind == "stage":
            days = working_days_between(entered[event.campaign_id], timezone.localtime(event.at).date())
            assert event.data["days_in_stage"] == days, event.pk
        entered[event.campaign_id] = timezone.localtime(event.at).date()
    # Open tasks belong to the campaign's current working stage; the others are closed.
    assert not Task.objects.filter(status="open").exclude(campaign__stage__in=WORKING_STAGES).exists()
    assert rows("SELECT t.id FROM campaigns_task t JOIN campaigns_campaign c ON c.id = t.campaign_id "
                "WHERE t.status = 'open' AND t.stage <> c.stage") == []
    assert not Task.objects.exclude(status="open").filter(closed_at__isnull=True).exists()
    # What the guards ask for was recorded.
    for campaign in Campaign.objects.exclude(stage__in=["surveyed", "on_hold", "abandoned"]):
        assert campaign.employer_met_on is not None
    for campaign in Campaign.objects.filter(stage="recognised").select_related("enterprise", "recognised_unit"):
        assert campaign.decision_number and campaign.decision_date and campaign.admitted_members >= 5
        assert campaign.enterprise.has_union and campaign.enterprise.union_unit_id == campaign.recognised_unit_id
        assert campaign.recognised_unit.path.startswith(Unit.objects.get(pk=campaign.responsible_unit_id).path)
    sizes = dict(CommitteeMember.objects.values_list("campaign").annotate(n=Count("pk")))
    assert sizes == dict(Campaign.objects.filter(committee_size__gt=0).values_list("pk", "committee_size"))


def test_summary_tables_and_unit_tree(generated):
    assert generated["drift"] == 0
    assert reconcile.drift() == []
    assert all(not problems for problems in Unit.objects.find_problems())
    assert Unit.objects.filter(depth=4, kind__is_grassroots=True).count() == 50
    # the picker's folded names, as the services write them
    assert [(name, search) for name, search in Unit.objects.values_list("name", "search_name")
            if search != fold(name) or not search] == []


def test_permission_queries_answer_on_the_generated_grants(generated):
    samples = generated["samples"]
    User = get_user_model()
    officer = User.objects.get(username=samples["officer_username"])
    groups = WorkingGroup.objects.filter(user_grants__user=officer)
    assert list(groups.values_list("unit", flat=True).distinct()) == [samples["child_unit_id"]]
    mine = set(Campaign.objects.filter(working_group__in=groups).values_list("pk", flat=True))
    assert mine and set(permissions.campaigns_visible_to(officer).values_list("pk", flat=True)) == mine
    assert set(permissions.tasks_visible_to(officer).values_list("campaign", flat=True)) == mine
    assert Task.objects.filter(assignee=officer, status="open").count() == samples["officer_open_tasks"] > 0

    supervisor = User.objects.get(username=samples["child_supervisor_username"])
    assert (set(permissions.campaigns_visible_to(supervisor).values_list("pk", flat=True))
            == set(Campaign.objects.filter(responsible_unit=samples["child_unit_id"]).values_list("pk", flat=True)))
    province = Unit.objects.get(pk=samples["province_id"])
    head = User.objects.get(username=samples["province_supervisor_username"])
    assert (permissions.campaigns_visible_to(head).count()
            == Campaign.objects.filter(responsible_unit__path__startswith=province.path).count())
    campaign = Campaign.objects.select_related("responsible_unit").filter(pk__in=mine).first()
    assert permissions.can(officer, permissions.Action.WORK, campaign)
    assert permissions.can(head, permissions.Action.RECOGNISE, campaign)
    manager = User.objects.get(username=samples["national_manager_username"])
    assert permissions.campaigns_visible_to(manager).count() == 500
    assert not permissions.can(manager, permissions.Action.WORK, campaign)
