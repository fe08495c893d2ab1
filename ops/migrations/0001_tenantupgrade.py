import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("tenants", "0003_tenant_ops_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="TenantUpgrade",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("target", models.CharField(max_length=64)),
                ("status", models.CharField(choices=[("pending", "Pending"), ("running", "Running"), ("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")], default="pending", max_length=10)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("error", models.TextField(blank=True)),
                ("applied", models.JSONField(blank=True, default=list)),
                ("tenant", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="upgrade", to="tenants.tenant")),
            ],
            options={
                "indexes": [models.Index(fields=["target", "status"], name="ops_upgrade_target_status")],
            },
        ),
    ]
