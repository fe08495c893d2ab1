"""Writes to activities, comments, follow-up rules, tasks and notifications.
Each function validates, writes and appends its audit row in one transaction;
e-mail leaves only after commit (ARCHITECTURE.md habits 1, 10, 11, 12)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import scope
from crm.access.ownership import resolve_owner
from crm.accounts import services as accounts
from crm.activities import selectors
from crm.activities.models import Activity, ActivityComment, FollowUp, Notification, Task
from crm.audit import services as audit
from crm.builder import dynamic
from crm.builder import selectors as builder

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.contacts.models import Contact
    from crm.deals.models import Deal
    from crm.leads.models import Lead
    from crm.users.models import User

_M = TypeVar("_M", bound=models.Model)

_ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "body",
    "occurred_at",
    "duration_minutes",
    "owner",
    "account",
    "contact",
    "deal",
    "lead",
    "next_contact_at",
)
# The longest activity: a day.
MAX_DURATION_MINUTES = 1440


class _Derived(Enum):
    DERIVED = "derived"


# `next_contact_at` not given (None is given: no next contact planned).
DERIVED = _Derived.DERIVED
_TASK_FIELDS = ("title", "notes", "due_date", "remind_at", "assignee", "account", "contact", "deal", "done")


def _check_visible(by: User, field: str, record: models.Model | None) -> None:
    # Linking to a record the caller cannot see would reveal that it exists.
    if record is not None and not scope.visible(type(record)._default_manager.filter(pk=record.pk), by).exists():
        raise ValidationError({field: [_("No such record.")]})


def _check_duration(minutes: int | None) -> None:
    if minutes is not None and not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {"duration_minutes": [_("Enter a duration from 1 to %(max)s minutes.") % {"max": MAX_DURATION_MINUTES}]}
        )


def _check_custom_record(by: User, record: models.Model) -> None:
    # The record's object must be live (a deleted one hides its records), and
    # the record visible to `by`, or it answers like a missing one.
    if not dynamic.is_record_model(type(record)) or not builder.object_exists(dynamic.object_name_of(record)):
        raise ValidationError({"record": [_("No such record.")]})
    _check_visible(by, "record", record)


def _visible_or_none(by: User, record: _M | None) -> _M | None:
    if record is not None and scope.visible(type(record)._default_manager.filter(pk=record.pk), by).exists():
        return record
    return None


# Activities -------------------------------------------------------------------


@transaction.atomic
def log_activity(
    *,
    by: User,
    kind: str,
    subject: str,
    body: str = "",
    occurred_at: datetime | None = None,
    owner: User | None = None,
    account: Account | None = None,
    contact: Contact | None = None,
    deal: Deal | None = None,
    record: models.Model | None = None,
    next_contact_at: date | Literal[_Derived.DERIVED] | None = DERIVED,
    duration_minutes: int | None = None,
    lead: Lead | None = None,
) -> Activity:
    """Log an activity owned by `owner` (default: `by`) on records `by` can see
    (`record`: a record of a live custom object, crm.builder.dynamic).

    Without an account, it goes on the contact's or the deal's account when `by`
    can see that. `next_contact_at` when given is the next planned contact; when
    omitted, a contact (not a note) on an account with a follow-up frequency
    (`Account.follow_up_days`) plans the next one that many days after it. Updates the records' FollowUp rows.
    `occurred_at` may be past (it happened) or future (planned); `duration_minutes`, when given, 1 to 1440."""
    _check_duration(duration_minutes)
    for field, linked in (("account", account), ("contact", contact), ("deal", deal), ("lead", lead)):
        _check_visible(by, field, linked)
    if record is not None:
        _check_custom_record(by, record)
    if account is None:
        account = _visible_or_none(by, getattr(contact, "account", None) or getattr(deal, "account", None))
    occurred_at = occurred_at or timezone.now()
    if next_contact_at is DERIVED:
        next_contact_at = _derived_next_contact(kind, occurred_at, account)
    activity = Activity.objects.create(
        kind=kind,
        subject=subject,
        body=body,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        owner=resolve_owner(by=by, owner=owner),
        account=account,
        contact=contact,
        deal=deal,
        lead=lead,
        next_contact_at=next_contact_at,
        record_object=dynamic.object_name_of(record) if record is not None else "",
        record_id=_pk(record),
    )
    _refresh_follow_ups(account=[account], contact=[contact])
    _mark_contacted(activity)
    payload = {
        "kind": kind,
        "subject": subject,
        "account": _pk(account),
        "contact": _pk(contact),
        "deal": _pk(deal),
        "lead": _pk(lead),
        "next_contact_at": _iso(next_contact_at),
    }
    if record is not None:
        payload.update(record_object=activity.record_object, record_id=record.pk)
    audit.record(actor=by, action="activity.logged", target=activity, payload=payload)
    return activity


@transaction.atomic
def update_activity(*, activity: Activity, by: User, **values: Any) -> Activity:
    """Change an activity; only its owner, the owner's managers, admin and director may."""
    _check_may_change(by, activity)
    _check_duration(values.get("duration_minutes"))
    for field in ("account", "contact", "deal", "lead"):
        if field in values and values[field] != getattr(activity, field):
            _check_visible(by, field, values[field])
    if "owner" in values:
        values["owner"] = resolve_owner(by=by, owner=values["owner"])
    before: dict[str, Any] = {"account": activity.account, "contact": activity.contact}
    diff = audit.changes(activity, _ACTIVITY_FIELDS, values)
    for field, value in values.items():
        setattr(activity, field, value)
    activity.save()
    _refresh_follow_ups(account=[before["account"], activity.account], contact=[before["contact"], activity.contact])
    _mark_contacted(activity)
    if diff:
        audit.record(actor=by, action="activity.updated", target=activity, payload=diff)
    return activity


@transaction.atomic
def delete_activity(*, activity: Activity, by: User) -> None:
    _check_may_change(by, activity)
    account, contact = activity.account, activity.contact
    audit.record(actor=by, action="activity.deleted", target=activity, payload={"subject": activity.subject})
    activity.delete()
    _refresh_follow_ups(account=[account], contact=[contact])


def _check_may_change(by: User, activity: Activity) -> None:
    if not selectors.may_change_activity(by, activity):
        raise PermissionDenied(_("Only the activity's owner or their manager can change it."))


def _mark_contacted(activity: Activity) -> None:
    # The account's own last-contacted date drives the customer pool's release rule.
    if activity.account is not None and activity.kind in Activity.CONTACT_KINDS:
        accounts.mark_contacted(activity.account, activity.occurred_at)


def _derived_next_contact(kind: str, occurred_at: datetime, account: Account | None) -> date | None:
    every_days = getattr(account, "follow_up_days", None)
    if kind not in Activity.CONTACT_KINDS or not every_days:
        return None
    try:
        return timezone.localtime(occurred_at).date() + timedelta(days=every_days)
    except OverflowError:  # past year 9999: no date to plan
        return None


def _refresh_follow_ups(*, account: Iterable[Account | None] = (), contact: Iterable[Contact | None] = ()) -> None:
    """Recompute the FollowUp rows of these accounts and contacts from their activities:
    - last_contact_at: the latest contact activity (not a note);
    - next_contact_at: that of the latest activity that is a contact or plans one,
      so a contact logged without a date clears the plan it fulfilled."""
    for field, records in (("account", account), ("contact", contact)):
        for record in {r for r in records if r is not None}:
            lookup: dict[str, Any] = {field: record}
            activities = Activity.objects.filter(**lookup).order_by("-occurred_at", "-id")
            last = activities.filter(kind__in=Activity.CONTACT_KINDS).values_list("occurred_at", flat=True).first()
            latest = activities.exclude(kind=Activity.Kind.NOTE, next_contact_at__isnull=True).values_list(
                "next_contact_at", flat=True
            )[:1]
            FollowUp.objects.update_or_create(
                **lookup, defaults={"last_contact_at": last, "next_contact_at": latest[0] if latest else None}
            )


# Comments -----------------------------------------------------------------------


@transaction.atomic
def comment_on_activity(*, activity: Activity, by: User, body: str) -> ActivityComment:
    """Add `by`'s comment to an activity they can see (the caller fetched it through
    activity_get_for_user); its owner gets a notification unless it is their own."""
    comment = ActivityComment.objects.create(activity=activity, author=by, body=body)
    if activity.owner_id != by.pk:
        notify(
            user=activity.owner,
            text=_('%(who)s commented on "%(subject)s"') % {"who": by.display_name, "subject": activity.subject},
            link=f"/api/v1/activities/{activity.pk}/",
        )
    audit.record(actor=by, action="activity.commented", target=activity, payload={"comment": comment.pk})
    return comment


# Tasks --------------------------------------------------------------------------


def _resolve_assignee(by: User, assignee: User | None) -> User:
    if assignee is None:
        return by
    if not assignee.is_active:
        raise ValidationError({"assignee": [_("This user is deactivated.")]})
    if not scope.may_assign_to(by, assignee):
        raise ValidationError({"assignee": [_("You can only assign tasks to yourself or your team.")]})
    return assignee


@transaction.atomic
def create_task(
    *,
    by: User,
    title: str,
    notes: str = "",
    due_date: date | None = None,
    remind_at: datetime | None = None,
    assignee: User | None = None,
    account: Account | None = None,
    contact: Contact | None = None,
    deal: Deal | None = None,
    done: bool = False,
) -> Task:
    """A task for `assignee` (default: `by`) about records `by` can see."""
    _check_visible(by, "account", account)
    _check_visible(by, "contact", contact)
    _check_visible(by, "deal", deal)
    task = Task.objects.create(
        title=title,
        notes=notes,
        due_date=due_date,
        remind_at=remind_at,
        assignee=_resolve_assignee(by, assignee),
        created_by=by,
        account=account,
        contact=contact,
        deal=deal,
        done=done,
        done_at=timezone.now() if done else None,
    )
    audit.record(
        actor=by,
        action="task.created",
        target=task,
        payload={
            "title": title,
            "assignee": task.assignee_id,
            "due_date": _iso(due_date),
            "remind_at": _iso(remind_at),
        },
    )
    return task


@transaction.atomic
def update_task(*, task: Task, by: User, **values: Any) -> Task:
    """Change a task `by` can see. A new reminder time arms the reminder again;
    marking it done stamps `done_at` (and a done task sends no reminder)."""
    for field in ("account", "contact", "deal"):
        if field in values and values[field] != getattr(task, field):
            _check_visible(by, field, values[field])
    if "assignee" in values and values["assignee"] != task.assignee:
        values["assignee"] = _resolve_assignee(by, values["assignee"])
    diff = audit.changes(task, _TASK_FIELDS, values)
    if "remind_at" in values and values["remind_at"] != task.remind_at:
        task.reminder_sent_at = None
    if "done" in values and values["done"] != task.done:
        task.done_at = timezone.now() if values["done"] else None
    for field, value in values.items():
        setattr(task, field, value)
    task.save()
    if diff:
        audit.record(actor=by, action="task.updated", target=task, payload=diff)
    return task


@transaction.atomic
def delete_task(*, task: Task, by: User) -> None:
    audit.record(actor=by, action="task.deleted", target=task, payload={"title": task.title})
    task.delete()


def deliver_due_reminders(now: datetime | None = None) -> int:
    """Send every due reminder of this tenant exactly once: a Notification and
    an e-mail to the assignee. The reminder is marked sent, the notification made
    and the audit row written in one transaction, rows locked so that two sweeps
    at once cannot both take one; the e-mail goes after commit. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            selectors.reminders_due(now)
            .select_related("assignee")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("remind_at", "id")[:500]
        )
        for task in due:
            task.reminder_sent_at = now
            task.save(update_fields=["reminder_sent_at", "updated_at"])
            link = f"/api/v1/tasks/{task.pk}/"
            text = _("Reminder: %(title)s") % {"title": task.title}
            notification = notify(user=task.assignee, text=text, link=link)
            audit.record(
                actor=None,
                action="task.reminder_sent",
                target=task,
                payload={"notification": notification.pk, "to": task.assignee_id},
            )
            body = "\n".join(
                filter(
                    None,
                    [
                        task.title,
                        _("Due: %(date)s") % {"date": task.due_date.isoformat()} if task.due_date else "",
                        task.notes,
                        link,
                    ],
                )
            )
            transaction.on_commit(_mailer(task.assignee.email, text, body))
    return len(due)


def _mailer(to: str, subject: str, body: str) -> Callable[[], None]:
    def send() -> None:
        send_mail(subject[:200], body, settings.DEFAULT_FROM_EMAIL, [to])

    return send


# Notifications --------------------------------------------------------------------


def notify(*, user: User, text: str, link: str = "") -> Notification:
    """An in-app notification for `user`; call it inside the transaction of its cause."""
    return Notification.objects.create(user=user, text=text[:500], link=link[:300])


@transaction.atomic
def mark_notification_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of `by`'s own notifications read (again: no change)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit.record(actor=by, action="notification.read", target=notification)
    return notification


def _pk(record: models.Model | None) -> Any:
    return getattr(record, "pk", None)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@transaction.atomic
def mark_all_notifications_read(*, by: User) -> int:
    """Mark every unread notification of `by` read; one audit row names them. Returns how many."""
    unread = list(selectors.notifications_of(by).filter(read_at__isnull=True).values_list("pk", flat=True))
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
        audit.record(actor=by, action="notification.read_all", target=by, payload={"notifications": unread})
    return len(unread)
