import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0017_committee_lines_to_workers")]

    operations = [
        migrations.RemoveField(
            model_name='committeemember',
            name='full_name',
        ),
        migrations.RemoveField(
            model_name='committeemember',
            name='job_title',
        ),
        migrations.RemoveField(
            model_name='committeemember',
            name='phone',
        ),
        migrations.AlterField(
            model_name='committeemember',
            name='worker',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='committee_seats', to='people.worker', verbose_name='worker'),
        ),
        migrations.AddConstraint(
            model_name='committeemember',
            constraint=models.UniqueConstraint(fields=('campaign', 'worker'), name='committee_seat_once'),
        ),
    ]
