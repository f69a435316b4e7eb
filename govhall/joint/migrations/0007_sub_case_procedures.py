"""The whole's clock stands while a current sub-case is under a special
procedure (art. 45; docs/joint.md, "Deadlines"): the periods and the count
of sub-cases suspended now, kept on the joint case's row. Filled for the
joint cases there are from their sub-cases' pauses; their stored deadline
follows at their next change."""

from django.db import migrations, models


def _merged(periods):
    """Overlapping or touching [start, end or None] periods as one each, in order."""
    merged = []
    for start, end in sorted(periods, key=lambda p: p[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last = merged[-1]
            last[1] = None if last[1] is None or end is None else max(last[1], end)
        else:
            merged.append([start, end])
    return merged


def fill(apps, schema_editor):
    JointCase = apps.get_model("joint", "JointCase")
    Pause = apps.get_model("cases", "Pause")
    rows: dict[int, list] = {}
    suspended: dict[int, int] = {}
    pauses = Pause.objects.filter(case__joint_link__isnull=False).values_list(
        "case__joint_link__joint_case_id", "started_on", "ended_on", "case__state", "case__updated_at",
        "case__joint_link__replaced")
    for joint_id, started, ended, state, updated, replaced in pauses.iterator():
        if ended is None and state != "suspended":  # ended by a withdrawal or termination
            ended = max(updated.date(), started)
        if ended is None and not replaced:
            suspended[joint_id] = suspended.get(joint_id, 0) + 1
        rows.setdefault(joint_id, []).append((started, ended))
    for joint_id, periods in rows.items():
        JointCase.objects.filter(pk=joint_id).update(
            procedure_pauses=[[s.isoformat(), e.isoformat() if e else None] for s, e in _merged(periods)],
            procedures_open=suspended.get(joint_id, 0))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0012_case_open_light_idx"),
        ("joint", "0006_delivery_method"),
    ]

    operations = [
        migrations.AddField(
            model_name="jointcase",
            name="procedure_pauses",
            field=models.JSONField(blank=True, default=list, verbose_name="子件特别程序期间"),
        ),
        migrations.AddField(
            model_name="jointcase",
            name="procedures_open",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="特别程序中的子件数"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
