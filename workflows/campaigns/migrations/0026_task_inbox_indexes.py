"""My tasks of an officer with thousands of open tasks (issue 19): their own
open tasks by group in due order, so that the inbox counts them and reads a
page of them from the index alone, without reading a campaign per task."""
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0025_subtree_rollups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['assignee', 'working_group', 'due_on', 'id'], name='task_open_mine_idx'),
        ),
    ]
