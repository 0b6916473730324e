from django.db import migrations


def committee_lines_to_workers(apps, schema_editor):
    """Each free-text line of a committee (name; job; phone) becomes a worker
    of the campaign's enterprise, and the seat points at that worker. The
    committees of one enterprise share their workers by name; namesakes on
    one list are two workers (as the committee service does it)."""
    CommitteeMember = apps.get_model("campaigns", "CommitteeMember")
    Worker = apps.get_model("people", "Worker")
    known: dict[tuple[int, str], list[int]] = {}
    taken: dict[int, set[int]] = {}
    for seat in CommitteeMember.objects.select_related("campaign").order_by("campaign_id", "pk").iterator():
        enterprise_id = seat.campaign.enterprise_id
        name = " ".join((seat.full_name or "").split())
        workers = known.setdefault((enterprise_id, name.casefold()), [])
        used = taken.setdefault(seat.campaign_id, set())
        worker_id = next((pk for pk in workers if pk not in used), None)
        if worker_id is None:
            worker_id = Worker.objects.create(
                enterprise_id=enterprise_id, full_name=name, job=(seat.job_title or "")[:120],
                phone=(seat.phone or "")[:20], source="committee_line").pk
            workers.append(worker_id)
        used.add(worker_id)
        seat.worker_id = worker_id
        seat.save(update_fields=["worker"])


class Migration(migrations.Migration):
    """Data only: on PostgreSQL the rows it writes must be committed before
    0018 alters the tables they reference."""

    dependencies = [("campaigns", "0016_people_register")]
    operations = [migrations.RunPython(committee_lines_to_workers, migrations.RunPython.noop)]
