from django.db import migrations, models


def fill_decision_numbers(apps, schema_editor):
    """Cases decided before this migration: the number of their approval or denial notice."""
    Case = apps.get_model("cases", "Case")
    Notice = apps.get_model("cases", "Notice")
    for case_id, number in Notice.objects.filter(kind__in=["approval", "denial"]).values_list("case_id", "number"):
        Case.objects.filter(pk=case_id).update(decision_number=number)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_pause_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="decision_number",
            field=models.CharField(blank=True, max_length=64, verbose_name="决定文书编号"),
        ),
        migrations.RunPython(fill_decision_numbers, migrations.RunPython.noop),
    ]
