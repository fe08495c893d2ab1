"""Reads of activities, tasks, notifications and worklists, scoped to the acting
user at the source. Nothing here decides scope itself: record visibility is
crm/access/scope.py's, applied to the parent records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm.access import scope
from crm.accounts.models import Account
from crm.activities.models import Activity, ActivityComment, FollowUp, Notification, Task
from crm.builder import dynamic
from crm.builder.models import CustomObject
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads.models import Lead

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User

_M = TypeVar("_M", bound=models.Model)

WORKLISTS = ("today", "this_week", "overdue", "not_contacted_recently", "never_contacted")
NOT_CONTACTED_RECENTLY_DAYS = 30


def _activities() -> QuerySet[Activity]:
    return Activity.objects.select_related("owner", "account", "contact", "deal").annotate(
        comment_count=Count("comments")
    )


def _visible_ids(model: type[_M], user: User) -> QuerySet[_M, dict[str, Any]]:
    return scope.visible(model._default_manager.all(), user).values("pk")


def _on_custom_records_visible_to(user: User) -> Q:
    """The condition for activities on records of live custom objects `user` can see."""
    condition = Q()
    for name in CustomObject.objects.filter(deleted_at__isnull=True).values_list("name", flat=True):
        condition |= Q(record_object=name, record_id__in=_visible_ids(dynamic.record_model(name), user))
    return condition


def _not_on_deleted_objects() -> Q:
    # A deleted custom object hides its records' activities with it, for
    # everyone, until it is restored (or purged, which detaches them).
    return ~Q(record_object__in=CustomObject.objects.filter(deleted_at__isnull=False).values("name"))


def activities_visible_to(user: User) -> QuerySet[Activity]:
    """Activities `user` may see: those in their own scope (own, their teams',
    shared; all for admin and director) and those on an account, contact, deal
    lead or custom object's record they can see; none on a deleted custom object's records."""
    if not (user.is_authenticated and user.is_active):
        return Activity.objects.none()
    if scope.sees_everything(user):
        return _activities().filter(_not_on_deleted_objects())
    return (
        _activities()
        .filter(
            Q(pk__in=_visible_ids(Activity, user))
            | Q(account__in=_visible_ids(Account, user))
            | Q(contact__in=_visible_ids(Contact, user))
            | Q(deal__in=_visible_ids(Deal, user))
            | Q(lead__in=_visible_ids(Lead, user))
            | _on_custom_records_visible_to(user)
        )
        .filter(_not_on_deleted_objects())
    )


def activity_get_for_user(user: User, pk: int | str) -> Activity:
    """One activity `user` may see; Http404 if missing or out of scope alike."""
    try:
        return activities_visible_to(user).get(pk=pk)
    except (Activity.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def may_change_activity(user: User, activity: Activity) -> bool:
    """Whether `user` may edit or delete `activity`: its owner, the owner's
    managers, admin and director. Others who see it (through the record) may
    read and comment only."""
    return scope.visible(Activity.objects.filter(pk=activity.pk), user).exists()


def timeline_for(user: User, record: models.Model) -> QuerySet[Activity]:
    """What happened with `record` (an Account, Contact, Deal or custom object's
    record the caller has already fetched through its `*_get_for_user` /
    crm.builder.selectors.record_get_for_user), newest first, counting only
    activities `user` may see. An account's timeline includes the activities on
    its contacts and deals."""
    return activities_visible_to(user).filter(on_record(record)).order_by("-occurred_at", "-id")


def on_record(record: models.Model) -> Q:
    """The condition for activities on `record`, as timeline_for means it."""
    # What was logged on a lead before it was converted stays in the timeline of
    # what it became.
    if isinstance(record, Account):
        return (
            Q(account=record) | Q(contact__account=record) | Q(deal__account=record) | Q(lead__converted_account=record)
        )
    if isinstance(record, Contact):
        return Q(contact=record) | Q(lead__converted_contact=record)
    if isinstance(record, Deal):
        return Q(deal=record) | Q(lead__converted_deal=record)
    if isinstance(record, Lead):
        return Q(lead=record)
    if dynamic.is_record_model(type(record)):
        return Q(record_object=dynamic.object_name_of(record), record_id=record.pk)
    raise TypeError(f"no timeline for {type(record).__name__}")


def comments_on(activity: Activity) -> QuerySet[ActivityComment]:
    """The comments of an activity the caller may see, oldest first."""
    return ActivityComment.objects.filter(activity=activity).select_related("author")


# Worklists --------------------------------------------


def worklist(
    user: User, name: str, *, days: int = NOT_CONTACTED_RECENTLY_DAYS, today: date | None = None
) -> QuerySet[Account]:
    """Accounts `user` may see that belong on worklist `name`, each annotated with
    `last_contact_at` and `next_contact_at`:
    - today: next contact due today;
    - this_week: next contact due from today to Sunday of this week;
    - overdue: next contact due before today;
    - not_contacted_recently: contacted, but not in the last `days` days;
    - never_contacted: no contact activity logged yet.
    "Today" is the tenant's local date (TIME_ZONE). One query, on FollowUp's indexes."""
    today = today or timezone.localdate()
    accounts = scope.visible(Account.objects.select_related("owner"), user).annotate(
        last_contact_at=F("follow_up__last_contact_at"), next_contact_at=F("follow_up__next_contact_at")
    )
    if name == "today":
        return accounts.filter(next_contact_at=today).order_by("name", "id")
    if name == "this_week":
        sunday = today + timedelta(days=6 - today.weekday())
        return accounts.filter(next_contact_at__range=(today, sunday)).order_by("next_contact_at", "name", "id")
    if name == "overdue":
        return accounts.filter(next_contact_at__lt=today).order_by("next_contact_at", "name", "id")
    if name == "not_contacted_recently":
        since = timezone.now() - timedelta(days=days)
        return accounts.filter(last_contact_at__lt=since).order_by("last_contact_at", "name", "id")
    if name == "never_contacted":
        return accounts.filter(last_contact_at__isnull=True).order_by("name", "id")
    raise ValueError(f"no worklist {name!r}")


def follow_ups_due(user: User, *, on: date) -> list[FollowUp]:
    """The follow-ups of the accounts and contacts `user` owns (and may see) whose
    next contact is planned on `on` (the caller's "today", in the caller's time
    zone), each with its account or contact loaded: accounts by name, then
    contacts by first name (fields no role has masked, so the order tells nothing hidden)."""
    accounts = scope.visible(Account.objects.filter(owner=user), user).values("pk")
    contacts = scope.visible(Contact.objects.filter(owner=user), user).values("pk")
    due = (
        FollowUp.objects.filter(next_contact_at=on)
        .filter(Q(account__in=accounts) | Q(contact__in=contacts))
        .select_related("account", "contact")
    )
    return sorted(
        due,
        key=lambda f: (
            f.account is None,
            (f.account.name if f.account is not None else f.contact.first_name if f.contact else "").casefold(),
            f.pk,
        ),
    )


def with_next_contact(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """`accounts` (a queryset of Account) with `next_contact_at`: the next planned
    contact of each (FollowUp), for list pages to show and sort by."""
    return accounts.annotate(next_contact_at=F("follow_up__next_contact_at"))


def next_contact_of(record: Account | Contact) -> date | None:
    """The next planned contact of an account or a contact (None if none is planned)."""
    # (model_name is None in the stubs only for options not yet attached to a model.)
    follow_up = FollowUp.objects.filter(**{record._meta.model_name: record}).first()  # type: ignore[misc]
    return follow_up.next_contact_at if follow_up is not None else None


# Tasks and notifications ---------------------------------------------------


def _tasks() -> QuerySet[Task]:
    return Task.objects.select_related("assignee", "account", "contact", "deal")


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks assigned to someone in `user`'s scope (themselves; their teams for a
    manager; all for admin and director), and tasks `user` created."""
    if not (user.is_authenticated and user.is_active):
        return Task.objects.none()
    return scope.visible(_tasks(), user, owner_field="assignee") | _tasks().filter(created_by=user)


def leads_a_team(user: User) -> bool:
    """Whether `user` manages a team (or a parent team), so has a team's tasks to look at."""
    return bool(user.is_authenticated and user.is_active and scope.managed_team_ids(user))


def team_tasks_visible_to(user: User) -> QuerySet[Task]:
    """The tasks assigned to the other members (and managers) of the teams `user`
    manages and their sub-teams: the part of tasks_visible_to that is theirs
    through crm/access/scope.py as a manager, as the API lists it. Nothing for
    whoever manages no team."""
    if not leads_a_team(user):
        return Task.objects.none()
    others = scope.owner_ids_in_scope(user) - {user.pk}
    return scope.visible(_tasks(), user, owner_field="assignee").filter(assignee_id__in=others)


def task_get_for_user(user: User, pk: int | str) -> Task:
    try:
        return tasks_visible_to(user).distinct().get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def reminders_due(now: datetime | None = None) -> QuerySet[Task]:
    """Tasks whose reminder is due and not yet sent (for the reminder sweep only)."""
    return Task.objects.filter(
        remind_at__lte=now or timezone.now(), reminder_sent_at__isnull=True, done=False, remind_at__isnull=False
    )


def notifications_of(user: User) -> QuerySet[Notification]:
    """`user`'s own notifications, newest first."""
    return Notification.objects.filter(user=user)


def notification_get_for_user(user: User, pk: int | str) -> Notification:
    try:
        return notifications_of(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def activity_kinds() -> Sequence[tuple[str, StrOrPromise]]:
    """The kinds an activity may have, as (value, label) choices for forms."""
    return Activity.Kind.choices
