from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """Something that happened with a customer (or a note about one), on an
    account, a contact and/or a deal, or on a record of a custom object."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        NOTE = "note", _("Note")

    # Notes are about a customer, not with them: they do not count as contact.
    CONTACT_KINDS = (Kind.CALL, Kind.VISIT, Kind.MEETING, Kind.EMAIL)

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="activities"
    )
    # Kept when the record goes: the owner still sees what they logged.
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # A call or meeting with a lead before it is converted.
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # A record of a custom object (docs/decisions/008, "Refinements"): its
    # object's name and its id. No foreign key: the table `cx_<name>` is the
    # tenant's own and unknown to migrations; crm.builder.services detaches these
    # when the record is deleted or its object purged.
    record_object = models.CharField(_("custom object"), max_length=40, blank=True, default="")
    record_id = models.BigIntegerField(_("custom record"), null=True, blank=True)
    next_contact_at = models.DateField(_("next contact"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["account", "-occurred_at"]),
            models.Index(fields=["contact", "-occurred_at"]),
            models.Index(fields=["deal", "-occurred_at"]),
            models.Index(fields=["owner", "-occurred_at"]),
            models.Index(
                fields=["record_object", "record_id", "-occurred_at"],
                name="activity_custom_record",
                condition=Q(record_id__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(record_object="", record_id__isnull=True)
                | (~Q(record_object="") & Q(record_id__isnull=False)),
                name="activity_custom_record_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class ActivityComment(models.Model):
    """A remark on an activity, by anyone who can see it (a manager, usually)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]


class FollowUp(models.Model):
    """When an account (or a contact) was last contacted and when it is due next:
    derived from its activities by the services, stored so that every worklist is
    one indexed query. Exactly one of account and contact is set."""

    account = models.OneToOneField(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_up"
    )
    contact = models.OneToOneField(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_up"
    )
    last_contact_at = models.DateTimeField(null=True, blank=True)
    next_contact_at = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=True) ^ Q(contact__isnull=True), name="follow_up_of_account_or_contact"
            ),
        ]
        indexes = [
            models.Index(fields=["next_contact_at"], name="follow_up_next"),
            models.Index(fields=["last_contact_at"], name="follow_up_last"),
        ]

    def __str__(self) -> str:
        return f"follow-up of {self.account_id or self.contact_id}: {self.next_contact_at}"


class Task(models.Model):
    """Something to do by a day, for one user, maybe about an account, contact or deal,
    with an optional reminder (delivered once, in-app and by e-mail)."""

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["done", "due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "done", "due_date"]),
            # The reminder sweep every minute reads only this.
            models.Index(
                fields=["remind_at"],
                name="task_reminder_due",
                condition=Q(reminder_sent_at__isnull=True, done=False, remind_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """An in-app message for one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.text[:50]
