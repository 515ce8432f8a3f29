"""Callback phones are sealed like residents' numbers: existing values are encrypted, then
the plaintext column is dropped."""

from django.core.exceptions import ValidationError
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from sanxian import personal_data

    Appeal = apps.get_model("appeals", "Appeal")
    for appeal in Appeal.objects.exclude(contact_phone="").iterator():
        try:
            number = personal_data.normalise_phone(appeal.contact_phone)
        except ValidationError:
            number = "".join(ch for ch in appeal.contact_phone if ch.isdigit())
        sealed = personal_data.seal(number)
        Appeal.objects.filter(pk=appeal.pk).update(
            contact_phone_sealed=sealed.sealed, contact_phone_last4=sealed.last4
        )


def unseal_existing(apps, schema_editor):
    from sanxian import personal_data

    Appeal = apps.get_model("appeals", "Appeal")
    for appeal in Appeal.objects.exclude(contact_phone_sealed="").iterator():
        Appeal.objects.filter(pk=appeal.pk).update(
            contact_phone=personal_data.unseal(appeal.contact_phone_sealed)
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_default_categories")]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="contact_phone_sealed",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="appeal",
            name="contact_phone_last4",
            field=models.CharField(blank=True, editable=False, max_length=4),
        ),
        migrations.RunPython(seal_existing, unseal_existing),
        migrations.RemoveField(model_name="appeal", name="contact_phone"),
    ]
