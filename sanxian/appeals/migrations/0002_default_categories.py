"""The appeal categories a new installation starts with (editable afterwards)."""

from django.db import migrations

DEFAULT_CATEGORIES = (
    ("环境卫生", 24, 3),
    ("楼道堆物", 24, 5),
    ("设施维修", 24, 7),
    ("噪音扰民", 12, 3),
    ("停车管理", 24, 5),
    ("邻里纠纷", 24, 7),
    ("物业服务", 24, 7),
    ("加装电梯", 48, 15),
    ("其他", 48, 10),
)


def seed(apps, schema_editor):
    AppealCategory = apps.get_model("appeals", "AppealCategory")
    for position, (name, hours, days) in enumerate(DEFAULT_CATEGORIES):
        AppealCategory.objects.get_or_create(
            name=name,
            defaults={
                "response_hours": hours,
                "resolution_working_days": days,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
