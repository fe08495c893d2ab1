"""Onboarding writes: put the checklist away, confirm the pipeline, load and
remove sample data. Admin-only, each in one transaction with its audit row."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access.permissions import may_administer
from crm.accounts.models import Account
from crm.accounts.services import create_account, delete_account
from crm.activities.models import Activity, ActivityComment, Task
from crm.activities.services import create_task, delete_activity, delete_task, log_activity
from crm.attachments.models import Attachment
from crm.audit import services as audit
from crm.contacts.models import Contact
from crm.contacts.services import create_contact, delete_contact
from crm.deals import selectors as deal_selectors
from crm.deals.models import Deal, Stage
from crm.deals.services import create_deal, delete_deal
from crm.leads.models import Lead
from crm.onboarding import samples
from crm.onboarding.models import OnboardingState, SampleRecord

if TYPE_CHECKING:
    from crm.users.models import User


def _deleter(model: type[models.Model]) -> Callable[[models.Model, User], None]:
    """The domain's delete service for a sample row (its history row, its shares)."""
    by_model: dict[type[models.Model], Callable[[Any, User], None]] = {
        Task: lambda row, by: delete_task(task=row, by=by),
        Activity: lambda row, by: delete_activity(activity=row, by=by),
        Deal: lambda row, by: delete_deal(deal=row, by=by),
        Contact: lambda row, by: delete_contact(contact=row, by=by),
        Account: lambda row, by: delete_account(account=row, by=by),
    }
    return by_model[model]


# Removed children first, so that a parent's check sees what is left of them.
SAMPLE_MODELS: tuple[type[models.Model], ...] = (Task, Activity, Deal, Contact, Account)
# Records a user makes. A sample row that one of these (not itself sample data)
# refers to stays on removal: deleting it would delete or unlink the user's record.
USER_RECORDS: frozenset[type[models.Model]] = frozenset(
    {Account, Contact, Lead, Deal, Activity, ActivityComment, Task, Attachment}
)


@dataclass(frozen=True)
class Removal:
    removed: int
    kept: int


def _require_admin(by: User) -> None:
    if not may_administer(by):
        raise PermissionDenied


def state() -> OnboardingState:
    """The tenant's onboarding row, made on first use."""
    row, _created = OnboardingState.objects.get_or_create(pk=1)
    return row


@transaction.atomic
def dismiss_checklist(*, by: User) -> OnboardingState:
    """Put the Home checklist away for everyone (admin only)."""
    _require_admin(by)
    row = OnboardingState.objects.select_for_update().get(pk=state().pk)
    if row.dismissed_at is None:
        row.dismissed_at, row.dismissed_by = timezone.now(), by
        row.save(update_fields=["dismissed_at", "dismissed_by"])
        audit.record(actor=by, action="onboarding.dismissed", target=row)
    return row


@transaction.atomic
def confirm_pipeline(*, by: User) -> OnboardingState:
    """The admin says the pipeline as it is fits: the checklist's pipeline step is done."""
    _require_admin(by)
    row = OnboardingState.objects.select_for_update().get(pk=state().pk)
    if row.pipeline_confirmed_at is None:
        row.pipeline_confirmed_at = timezone.now()
        row.save(update_fields=["pipeline_confirmed_at"])
        audit.record(actor=by, action="onboarding.pipeline_confirmed", target=row)
    return row


def _mark(row: models.Model) -> None:
    SampleRecord.objects.create(model=row._meta.label_lower, object_id=row.pk)


@transaction.atomic
def load_sample_data(*, by: User, language: str | None) -> int:
    """Make a small set of sample records in `language` (accounts with a contact,
    deals over the default pipeline's open stages, activities, tasks), owned by
    `by`, each marked as sample. Through the domain services, so that they are
    records like any other (history, follow-ups). Refused while sample data is
    loaded. Returns the number of rows made."""
    _require_admin(by)
    if SampleRecord.objects.exists():
        raise ValidationError(_("Sample data is already loaded."))
    pipeline = deal_selectors.default_pipeline()
    open_stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position", "id"))
    today = timezone.localdate()
    made = 0
    for index, company in enumerate(samples.companies_for(language)):
        account = create_account(by=by, name=company.name, owner=by, industry=company.industry, region=company.region)
        contact = create_contact(
            by=by,
            first_name=company.first_name,
            last_name=company.last_name,
            email=company.email,
            phone=company.phone,
            title=company.title,
            account=account,
            owner=by,
        )
        deal = create_deal(
            by=by,
            name=company.deal,
            account=account,
            contacts=[contact],
            amount=Decimal(company.amount),
            expected_close_date=today + datetime.timedelta(days=30 * (index + 1)),
            pipeline=pipeline,
            stage=open_stages[index % len(open_stages)] if open_stages else None,
            owner=by,
        )
        activity = log_activity(
            by=by,
            kind=(Activity.Kind.CALL, Activity.Kind.VISIT, Activity.Kind.MEETING, Activity.Kind.CALL)[index % 4],
            subject=company.activity,
            occurred_at=timezone.now() - datetime.timedelta(days=index + 1),
            owner=by,
            account=account,
            contact=contact,
            deal=deal,
        )
        task = create_task(
            by=by,
            title=company.task,
            due_date=today + datetime.timedelta(days=index + 1),
            assignee=by,
            account=account,
            deal=deal,
        )
        for row in (account, contact, deal, activity, task):
            _mark(row)
            made += 1
    audit.record(actor=by, action="onboarding.sample_loaded", target=state(), payload={"rows": made})
    return made


def _blocked_by_user_records(row: models.Model, sample_keys: set[tuple[str, int]]) -> bool:
    """Whether deleting `row` would delete or unlink a record that is not sample data."""

    def foreign(instances: object) -> bool:
        for instance in instances:  # type: ignore[attr-defined]  # a list or a queryset of rows
            if type(instance) in USER_RECORDS and (instance._meta.label_lower, instance.pk) not in sample_keys:
                return True
        return False

    collector = Collector(using=router.db_for_write(type(row)), origin=row)
    try:
        collector.collect([row])
    except (ProtectedError, RestrictedError):
        return True
    if any(foreign(instances) for instances in collector.data.values()):
        return True
    if any(foreign(queryset) for queryset in collector.fast_deletes):
        return True
    return any(foreign(rows) for batches in collector.field_updates.values() for rows in batches)


@transaction.atomic
def remove_sample_data(*, by: User) -> Removal:
    """Delete the rows "load sample data" made, whether or not they were edited
    since, and nothing else: a sample row that a user's own record refers to (a
    deal a user added on a sample account, an activity logged on a sample
    contact) stays, with its marker, so that the user's record keeps it."""
    _require_admin(by)
    markers = list(SampleRecord.objects.select_for_update())
    sample_keys = {(marker.model, marker.object_id) for marker in markers}
    removed = kept = 0
    for model in SAMPLE_MODELS:
        label = model._meta.label_lower
        ids = [marker.object_id for marker in markers if marker.model == label]
        for row in model._default_manager.filter(pk__in=ids).order_by("pk"):
            if _blocked_by_user_records(row, sample_keys):
                kept += 1
                continue
            _deleter(model)(row, by)
            sample_keys.discard((label, row.pk))
            removed += 1
        # Markers of rows gone (removed here, or deleted by a user before) go too.
        remaining = model._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
        SampleRecord.objects.filter(model=label).exclude(object_id__in=list(remaining)).delete()
    audit.record(
        actor=by, action="onboarding.sample_removed", target=state(), payload={"removed": removed, "kept": kept}
    )
    return Removal(removed=removed, kept=kept)
