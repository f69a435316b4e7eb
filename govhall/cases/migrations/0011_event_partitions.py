"""PostgreSQL: the case event table partitioned by month (govhall/cases/partitions.py).

Nothing changes in Django's model state, and nothing on SQLite. Irreversible:
going back to one table is a dump and a restore, not a migration."""

from django.db import migrations
from django.utils import timezone


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from govhall.cases.partitions import event_table_partition

    event_table_partition(today=timezone.localdate(), connection=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_audit_checkpoint")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
