from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded file of accounts, contacts or leads, its column mapping, and
    what importing it did (or, for a dry run, would do) row by row."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", _("accounts")
        CONTACTS = "contacts", _("contacts")
        LEADS = "leads", _("leads")

    class Mode(models.TextChoices):
        SKIP = "skip", _("skip duplicates")
        UPDATE = "update", _("update duplicates")
        CREATE = "create", _("create anyway")

    class Status(models.TextChoices):
        # Uploaded in the web UI, its mapping still being chosen (and dry-run);
        # `start_job` turns it into a real run.
        DRAFT = "draft", _("draft")
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The upload itself, kept in the tenant's schema (so it is backed up, and
    # deleted, with the tenant's data).
    file_name = models.CharField(max_length=255)
    file_content = models.BinaryField()
    mapping = models.JSONField(default=dict, help_text="Column in the file → field.")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SKIP)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    # One entry per row: {"row": n, "action": created|updated|skipped|refused, "reason": ..., "id": ...};
    # refused rows also keep their cells ("values") for the error report.
    results = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of the worker running the job (it also beats in the cache
    # during a dry run, which commits nothing): a job running without one for
    # IMPORT_STALE_MINUTES is swept to failed (crm.imports.services.fail_stale_jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Set when the import was undone (crm.imports.undo): its created records
    # deleted, its updated fields set back.
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.kind}"
