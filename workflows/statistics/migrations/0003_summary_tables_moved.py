"""The summary tables move to the apps whose services maintain them
(campaigns: StageCohort, MonthFigures, StageDuration, TaskDueCount;
enterprises: EnterpriseBand). State only: the tables keep their names and
rows; campaigns 0010 and enterprises 0004 take the models over."""
from django.db import migrations

MOVED = ["StageCohort", "MonthFigures", "StageDuration", "TaskDueCount", "EnterpriseBand"]


class Migration(migrations.Migration):

    dependencies = [
        ("statistics", "0002_summary_tables"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
            database_operations=[],
        ),
    ]
