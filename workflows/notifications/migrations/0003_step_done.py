from django.db import migrations, models

#: Viewflow's statuses of a step that still waits for someone.
_WAITING = ("NEW", "ASSIGNED")


def close_done_review_notifications(apps, schema_editor):
    """Give the review notifications written before this migration their
    step, read from their key (``review:<step>:<owner>``,
    ``review-late:<step>``), and mark done and read those whose step no
    longer waits."""
    Notification = apps.get_model("notifications", "Notification")
    FlowTask = apps.get_model("viewflow", "Task")
    rows = list(Notification.objects.filter(
        kind__in=["review_waiting", "review_returned", "review_escalated"], step_key="").exclude(key="")
        .only("pk", "key", "read_at", "done_at", "email_status", "created_at"))
    steps = {}
    for row in rows:
        prefix, _sep, rest = row.key.partition(":")
        step_id = rest.partition(":")[0]
        if prefix in ("review", "review-late") and step_id.isdigit():
            steps[row.pk] = int(step_id)
    status = {pk: (state, finished) for pk, state, finished in FlowTask.objects.filter(
        pk__in=set(steps.values())).values_list("pk", "status", "finished")}
    changed = []
    for row in rows:
        step_id = steps.get(row.pk)
        if step_id is None:
            continue
        row.step_key = f"review-step:{step_id}"
        state, finished = status.get(step_id, (None, None))
        if state not in _WAITING:
            row.done_at = finished or row.created_at
            row.read_at = row.read_at or row.done_at
            if row.email_status in ("pending", "digest"):
                row.email_status = "none"
        changed.append(row)
    Notification.objects.bulk_update(changed, ["step_key", "done_at", "read_at", "email_status"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_review_kinds"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="done_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="handled at"),
        ),
        migrations.AddField(
            model_name="notification",
            name="step_key",
            field=models.CharField(blank=True, default="", max_length=60, verbose_name="step"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(condition=models.Q(("done_at__isnull", True), models.Q(("step_key", ""), _negated=True)),
                               fields=["step_key"], name="notification_open_step_idx"),
        ),
        migrations.RunPython(close_done_review_notifications, migrations.RunPython.noop, elidable=True),
    ]
