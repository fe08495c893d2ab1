"""Approval flows (what the admin sets up per kind), requests (one submission of
one subject, with the flow snapshotted), tasks (one approver's part of a step)
and delegations (who approves for whom while someone is away).
docs/decisions/010-approvals.md explains the model."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_LEVELS = 10


class ApproverType(models.TextChoices):
    ROLE = "role", _("Everyone with a role")
    MANAGER = "manager", _("The submitter's managers")
    USER = "user", _("A named user")


class Mode(models.TextChoices):
    ANY = "any", _("Any of them (the first approval decides)")
    ALL = "all", _("All of them")


class ApprovalFlow(models.Model):
    """The tenant's flow for one kind of subject: ordered steps. Every change
    raises `version`; requests keep the steps they were submitted with."""

    kind = models.CharField(_("kind"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class ApprovalStep(models.Model):
    """One step of a flow: who approves, whether all of them or any one must,
    and the conditions on the subject's values under which it applies."""

    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=100, blank=True)
    approver_type = models.CharField(_("approvers"), max_length=10, choices=ApproverType.choices)
    role = models.CharField(_("role"), max_length=10, blank=True)
    levels = models.PositiveSmallIntegerField(
        _("levels up"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_LEVELS)]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mode = models.CharField(_("mode"), max_length=3, choices=Mode.choices, default=Mode.ANY)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)

    class Meta:
        ordering = ["flow", "position", "id"]

    def __str__(self) -> str:
        return self.name or f"step {self.position + 1}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalRequest(models.Model):
    """One submission of one subject for approval. `steps` is the flow as it was
    at submission (each step with `applies`: whether its conditions held on
    `values`, the subject's values then); editing the flow later changes
    neither. `current_step` is the index of the step waiting, while pending."""

    kind = models.CharField(max_length=60)
    subject_id = models.BigIntegerField()
    subject_label = models.CharField(max_length=300)
    flow = models.ForeignKey(ApprovalFlow, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    flow_version = models.PositiveIntegerField(null=True, blank=True)
    flow_name = models.CharField(max_length=100, blank=True)
    steps = models.JSONField(default=list)
    values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    current_step = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    last_urged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Submitting twice (two clicks, two tabs) cannot open a second request.
            models.UniqueConstraint(
                fields=["kind", "subject_id"], condition=Q(status="pending"), name="one_pending_request_per_subject"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "subject_id"]),
            models.Index(fields=["submitted_by", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.subject_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    # Closed without this approver's decision: another approver of an any-of
    # step decided, someone rejected or returned, or the submitter withdrew.
    CANCELLED = "cancelled", _("Not needed")


class Handover(models.TextChoices):
    """Why a task's approver is not the one the step named (`on_behalf_of`)."""

    NONE = "", _("Not handed over")
    DELEGATED = "delegated", _("Delegated")
    DEACTIVATED = "deactivated", _("Approver deactivated")
    NO_APPROVER = "no_approver", _("Nobody to approve")


class ApprovalTask(models.Model):
    """One approver's part in one step of a request. `approver` is who acts
    (a delegate, or who took over from a deactivated user); `on_behalf_of` the
    one the step named, when that differs, and `handover` why."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="tasks")
    step = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_tasks")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handover = models.CharField(max_length=12, choices=Handover.choices, blank=True, default=Handover.NONE)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "step", "id"]
        indexes = [
            models.Index(fields=["approver", "status"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} of request {self.request_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == TaskStatus.PENDING


class Delegation(models.Model):
    """While `user` is away (from `starts_on` to `ends_on`, both days included),
    approval tasks that arise for them go to `delegate`. Tasks that arose before
    stay with `user`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_delegations")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(user=F("delegate")), name="delegation_to_someone_else"),
        ]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.delegate_id} {self.starts_on}–{self.ends_on}"


class ApprovalSettings(models.Model):
    """The tenant's approval settings: one row (pk 1), edited by the admin."""

    remind_after_hours = models.PositiveSmallIntegerField(
        _("remind approvers after (hours)"),
        null=True,
        blank=True,
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Approvers are reminded, in the app and by e-mail, of tasks waiting this long. Empty: never."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("approval settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="approval_settings_singleton")]

    def __str__(self) -> str:
        return "approval settings"
