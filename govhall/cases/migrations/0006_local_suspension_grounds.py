"""Special-procedure grounds: the national list of art. 45 by default, a
center's own grounds only with their legal basis; every pause keeps the
name and basis of its ground as they stood when it started."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The names of the grounds pauses could have before this migration
# (现场勘查 was accepted then, though art. 45 does not list it).
NAMES = {"hearing": "听证", "tender": "招标", "auction": "拍卖", "inspection": "检验", "testing": "检测",
         "quarantine": "检疫", "appraisal": "鉴定", "expert_review": "专家评审", "onsite": "现场勘查"}


def name_existing_pauses(apps, schema_editor):
    Pause = apps.get_model("cases", "Pause")
    for code, name in NAMES.items():
        Pause.objects.filter(ground=code).update(ground_name=name)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_decision_number'),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='pause',
            name='ground_basis',
            field=models.CharField(blank=True, max_length=300, verbose_name='依据'),
        ),
        migrations.AddField(
            model_name='pause',
            name='ground_name',
            field=models.CharField(default='', max_length=40, verbose_name='特别程序情形'),
        ),
        migrations.AlterField(
            model_name='pause',
            name='ground',
            field=models.CharField(max_length=20, verbose_name='特别程序'),
        ),
        migrations.RunPython(name_existing_pauses, migrations.RunPython.noop),
        migrations.CreateModel(
            name='LocalSuspensionGround',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=20, verbose_name='代码')),
                ('name', models.CharField(max_length=40, verbose_name='情形')),
                ('legal_basis', models.CharField(max_length=300, verbose_name='法律依据')),
                ('created_at', models.DateTimeField(verbose_name='登记时间')),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='suspension_grounds', to='org.center', verbose_name='中心')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
            ],
            options={
                'verbose_name': '地方特别程序情形',
                'verbose_name_plural': '地方特别程序情形',
                'ordering': ['center', 'code'],
                'constraints': [models.UniqueConstraint(fields=('center', 'code'), name='local_ground_center_code')],
            },
        ),
    ]
