"""Migrations campaigns 0016–0018: the free-text lines of a committee become workers
of the campaign's enterprise, and the seats point at them."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workflows.core import clock

pytestmark = pytest.mark.migration

BEFORE = [("campaigns", "0015_follow_up"), ("people", "0002_issues")]
AFTER = [("campaigns", "0018_committee_seats_are_workers")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_committee_lines_become_workers_of_the_enterprise(reference_data):
    # given, before the migration, two committees typed as lines (namesakes on one list)
    old = migrate(BEFORE)
    Unit = old.get_model("organisation", "Unit")
    unit = Unit.objects.create(path="0098", depth=1, numchild=0, name="LĐLĐ thử", code="thu-16",
                               created_at=clock.now(), kind=old.get_model("organisation", "UnitKind").objects.first())
    Enterprise = old.get_model("enterprises", "Enterprise")
    Campaign = old.get_model("campaigns", "Campaign")
    Seat = old.get_model("campaigns", "CommitteeMember")
    now = clock.now()
    first = Enterprise.objects.create(name="Công ty May Thử", tax_code="0100000016", responsible_unit=unit,
                                    created_at=now, updated_at=now)
    second = Enterprise.objects.create(name="Công ty Điện tử Thử", tax_code="0100000017", responsible_unit=unit,
                                     created_at=now, updated_at=now)
    a = Campaign.objects.create(enterprise=first, responsible_unit=unit, stage="mobilising_committee",
                                opened_at=now, stage_entered_at=now, committee_size=3)
    b = Campaign.objects.create(enterprise=second, responsible_unit=unit, stage="mobilising_committee",
                                opened_at=now, stage_entered_at=now, committee_size=2)
    Seat.objects.create(campaign=a, full_name="Nguyễn Thị Hoa", job_title="tổ trưởng", phone="0912000111",
                        is_head=True)
    Seat.objects.create(campaign=a, full_name="Trần Văn Bình", job_title="", phone="")
    Seat.objects.create(campaign=a, full_name="nguyễn thị hoa", job_title="", phone="")
    Seat.objects.create(campaign=b, full_name="Nguyễn Thị Hoa", job_title="kỹ thuật", phone="")
    Seat.objects.create(campaign=b, full_name="Lê Văn Cường", job_title="", phone="0988000222")

    # when migrated
    new = migrate(AFTER)

    # then each line is a worker of the enterprise (namesakes on one list are two people)
    Worker = new.get_model("people", "Worker")
    assert sorted(Worker.objects.filter(enterprise_id=first.pk).values_list("full_name", "job", "phone", "source")) \
        == [("Nguyễn Thị Hoa", "tổ trưởng", "0912000111", "committee_line"),
            ("Trần Văn Bình", "", "", "committee_line"), ("nguyễn thị hoa", "", "", "committee_line")]
    assert sorted(Worker.objects.filter(enterprise_id=second.pk).values_list("full_name", "job", "phone")) == [
        ("Lê Văn Cường", "", "0988000222"), ("Nguyễn Thị Hoa", "kỹ thuật", "")]
    seats = new.get_model("campaigns", "CommitteeMember").objects
    assert sorted(seats.filter(campaign_id=a.pk).values_list("worker__full_name", "is_head")) == [
        ("Nguyễn Thị Hoa", True), ("Trần Văn Bình", False), ("nguyễn thị hoa", False)]
    assert seats.filter(campaign_id=b.pk).count() == 2

    # back to the latest state for the tests that follow
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
