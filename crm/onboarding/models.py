"""A new tenant's first steps: whether the checklist was put away or the pipeline
confirmed, and which rows are sample data (so that removing it deletes exactly
those)."""

from django.conf import settings
from django.db import models


class OnboardingState(models.Model):
    """One row per tenant (pk 1): what the checklist cannot read from the data itself."""

    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # "Set up the pipeline" is done once a stage or pipeline was edited, or an
    # admin looked at the default one and said it fits.
    pipeline_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "onboarding"


class SampleRecord(models.Model):
    """A row made by "load sample data", named by model label and primary key."""

    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "object_id"], name="onboarding_sample_unique")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id}"
