"""Onboarding reads: the Home checklist, each step read from the tenant's own data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.access.permissions import may_administer
from crm.activities.models import Activity
from crm.audit.models import AuditEvent
from crm.imports.models import ImportJob
from crm.onboarding.models import OnboardingState, SampleRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from crm.users.models import User

# A person changing the pipeline or its stages (sign-up's seeding has no actor).
PIPELINE_ACTIONS = (
    "pipeline.created",
    "pipeline.updated",
    "pipeline.deleted",
    "stage.created",
    "stage.updated",
    "stage.deleted",
)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    url: str
    done: bool


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]
    sample_loaded: bool

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total


def sample_data_loaded() -> bool:
    return SampleRecord.objects.exists()


def _sample_ids(model_label: str) -> list[int]:
    return list(SampleRecord.objects.filter(model=model_label).values_list("object_id", flat=True))


def colleague_invited() -> bool:
    """Someone besides the first admin has a user in this CRM (invited or added)."""
    return get_user_model().objects.count() > 1


def customers_imported() -> bool:
    """An import (not a dry run, not undone) has finished."""
    return ImportJob.objects.filter(status=ImportJob.Status.DONE, dry_run=False, undone_at__isnull=True).exists()


def pipeline_set_up(state: OnboardingState | None) -> bool:
    """A person changed the pipeline or its stages, or an admin confirmed them as they are."""
    if state is not None and state.pipeline_confirmed_at:
        return True
    return AuditEvent.objects.filter(action__in=PIPELINE_ACTIONS, actor__isnull=False).exists()


def activity_logged() -> bool:
    """An activity exists that is not sample data."""
    return Activity.objects.exclude(pk__in=_sample_ids("activities.activity")).exists()


def checklist_for(user: User | AnonymousUser) -> Checklist | None:
    """The Home checklist for an admin, until it is complete or put away; None
    for anyone else. Every step is read from the data, so doing a thing by any
    route (page, API, import) ticks it."""
    if not may_administer(user):
        return None
    state = OnboardingState.objects.filter(pk=1).first()
    if state is not None and state.dismissed_at:
        return None
    checklist = Checklist(
        steps=[
            Step(
                "invite",
                _("Invite a colleague"),
                _("Each colleague signs in with their own account and role."),
                reverse("settings-user-invite"),
                colleague_invited(),
            ),
            Step(
                "import",
                _("Import your customers"),
                _("Bring accounts and contacts in from a spreadsheet."),
                reverse("imports"),
                customers_imported(),
            ),
            Step(
                "pipeline",
                _("Set up the sales pipeline"),
                _("Rename or add stages to match how you sell, or keep the default one."),
                reverse("settings-pipelines"),
                pipeline_set_up(state),
            ),
            Step(
                "activity",
                _("Log a first activity"),
                _("Open an account and record a call, visit or meeting."),
                reverse("accounts"),
                activity_logged(),
            ),
        ],
        sample_loaded=sample_data_loaded(),
    )
    return None if checklist.complete else checklist
