"""Indexes of the issue list: each state's count, bounded (state, path), and one state's
issues newest first (state, id)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0003_workflow"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(fields=["state", "path"], name="issue_state_path"),
        ),
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(fields=["state", "id"], name="issue_state_id"),
        ),
    ]
