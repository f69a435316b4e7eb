"""The table of the database cache (rate limits, shared by every process):
created with the other tables wherever the project is migrated — the demo,
the tests, production — when the cache is the database one."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Does nothing when the cache is Redis (createcachetable skips other backends).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
