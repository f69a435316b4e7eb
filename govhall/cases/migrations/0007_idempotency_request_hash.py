"""The hash of the first request's body, kept with its Idempotency-Key: the
same key with another body is refused. Keys stored before have an empty
hash and accept any body, as they did."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_local_suspension_grounds"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="request_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
