from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_leads_and_drafts"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
