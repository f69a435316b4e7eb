"""The call-back's rating lives only in the evaluation app's Rating of the
order (docs/hotline.md, "Rating"): a level kept on the order with no Rating
(a rating given at a reopening, before reopenings made one) becomes its
Rating, then the order's copy goes."""

from django.db import migrations


def ratings_to_evaluation(apps, schema_editor):
    WorkOrder = apps.get_model("hotline", "WorkOrder")
    Rating = apps.get_model("evaluation", "Rating")
    orders = (WorkOrder.objects.filter(rating__isnull=False, evaluation_rating__isnull=True)
              .select_related("main_unit"))
    Rating.objects.bulk_create([
        Rating(work_order=order, level=order.rating, comment=order.callback_note[:500], channel="callback",
               rated_at=order.closed_at or order.updated_at,
               department_id=order.main_unit.department_id if order.main_unit_id else None)
        for order in orders.iterator()
    ])


def ratings_to_orders(apps, schema_editor):
    WorkOrder = apps.get_model("hotline", "WorkOrder")
    Rating = apps.get_model("evaluation", "Rating")
    for order_id, level in Rating.objects.filter(work_order__isnull=False).values_list("work_order_id", "level"):
        WorkOrder.objects.filter(pk=order_id).update(rating=level)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0002_work_order_rating"),
        ("hotline", "0004_merge_escalation_attachments"),
    ]

    operations = [
        migrations.RunPython(ratings_to_evaluation, ratings_to_orders),
        migrations.RemoveField(
            model_name="workorder",
            name="rating",
        ),
    ]
