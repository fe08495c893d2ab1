"""The approval engine's API: the caller's approvals (tasks; `?status=pending` is
their inbox) and deciding them, requests (submit, withdraw, urge), delegations
and the settings. Flows are in api/approval_flows.py. Thin: crm.approvals
services and selectors do the work, crm.access decides scope."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.fields import StrictJSONTypes
from api.permissions import ModuleAccess
from crm.access import permissions
from crm.approvals import registry, selectors, services
from crm.approvals.conditions import OPERATORS
from crm.approvals.models import (
    ApprovalRequest,
    ApprovalTask,
    ApproverType,
    Delegation,
    Handover,
    Mode,
    RequestStatus,
    TaskStatus,
)
from crm.users.models import User


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


_CONFLICT = OpenApiResponse(
    response=DetailSerializer,
    description="Already decided, returned or withdrawn by someone else: nothing changed.",
)
_NOT_YOURS = OpenApiResponse(
    response=DetailSerializer, description="Only the task's approver (the request's submitter) may do this."
)


def caller(request: Request) -> User:
    """The signed-in user of a request IsAuthenticated let through."""
    return cast(User, request.user)


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind.name, str(kind.label)) for kind in registry.kinds()]


# Serializers ----------------------------------------------------------------------


class ApprovalSubjectSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text="The kind of subject, e.g. `deal_registration`.")
    id = serializers.IntegerField(source="subject_id", read_only=True, help_text="The subject's id in its kind.")
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label (DRF takes it out)
        source="subject_label", read_only=True, help_text="Its name at submission."
    )


class ApprovalSerializer(serializers.ModelSerializer):
    """One approver's part in one step of a request (CONTRACT.md "approvals")."""

    subject = ApprovalSubjectSerializer(source="request", read_only=True)
    status = serializers.ChoiceField(
        choices=TaskStatus.choices,
        read_only=True,
        help_text="`cancelled`: closed without this approver (another decided, or the submitter withdrew).",
    )
    approver = serializers.IntegerField(source="approver_id", read_only=True, help_text="User id of who decides.")
    on_behalf_of = serializers.IntegerField(
        source="on_behalf_of_id",
        read_only=True,
        allow_null=True,
        help_text="User id of the approver the step named, when the task went to someone else.",
    )
    handover = serializers.ChoiceField(
        choices=Handover.choices, read_only=True, help_text="Why it went to someone else; empty when it did not."
    )
    request = serializers.IntegerField(source="request_id", read_only=True)
    request_status = serializers.ChoiceField(source="request.status", choices=RequestStatus.choices, read_only=True)
    step = serializers.SerializerMethodField(help_text="The step's number, from 1.")
    submitted_by = serializers.IntegerField(source="request.submitted_by_id", read_only=True)
    submitted_at = serializers.DateTimeField(source="request.submitted_at", read_only=True)

    class Meta:
        model = ApprovalTask
        fields = [
            "id",
            "subject",
            "status",
            "approver",
            "on_behalf_of",
            "handover",
            "request",
            "request_status",
            "step",
            "comment",
            "created_at",
            "decided_at",
            "submitted_by",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_step(self, task: ApprovalTask) -> int:
        return task.step + 1


class ConditionSerializer(StrictJSONTypes, serializers.Serializer):
    field = serializers.CharField(max_length=60, help_text="A value of the kind, e.g. `amount`.")
    op = serializers.ChoiceField(choices=list(OPERATORS), help_text="gt, gte, lt, lte (numbers), eq, ne, in.")
    value = serializers.CharField(
        max_length=2000, help_text="A number with a dot, a text, or a user id; for `in` several, separated by commas."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        value = instance["value"]
        return {
            "field": instance["field"],
            "op": instance["op"],
            "value": ",".join(value) if isinstance(value, list) else value,
        }


class StepSnapshotSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    approver_type = serializers.ChoiceField(choices=ApproverType.choices, read_only=True)
    role = serializers.CharField(read_only=True, help_text="The role, for `role` steps.")
    levels = serializers.IntegerField(read_only=True, help_text="How many managers up, for `manager` steps.")
    user = serializers.IntegerField(read_only=True, allow_null=True, help_text="The user id, for `user` steps.")
    mode = serializers.ChoiceField(choices=Mode.choices, read_only=True)
    conditions = ConditionSerializer(many=True, read_only=True)
    applies = serializers.BooleanField(read_only=True, help_text="False: its conditions failed, the step was skipped.")


class RequestTaskSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    approver = serializers.IntegerField(source="approver_id", read_only=True)
    on_behalf_of = serializers.IntegerField(source="on_behalf_of_id", read_only=True, allow_null=True)
    handover = serializers.ChoiceField(choices=Handover.choices, read_only=True)
    step = serializers.SerializerMethodField(help_text="The step's number, from 1.")

    class Meta:
        model = ApprovalTask
        fields = ["id", "step", "approver", "on_behalf_of", "handover", "status", "comment", "created_at", "decided_at"]
        read_only_fields = fields

    def get_step(self, task: ApprovalTask) -> int:
        return task.step + 1


class ApprovalRequestSerializer(serializers.ModelSerializer):
    subject = ApprovalSubjectSerializer(source="*", read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    flow = serializers.IntegerField(
        source="flow_id", read_only=True, allow_null=True, help_text="Null: the default flow (the submitter's manager)."
    )
    current_step = serializers.SerializerMethodField(help_text="The step waiting (from 1) while pending.")
    submitted_by = serializers.IntegerField(source="submitted_by_id", read_only=True)
    steps = StepSnapshotSerializer(many=True, read_only=True, help_text="The flow as it was at submission.")
    values = serializers.DictField(read_only=True, help_text="The subject's values at submission.")
    tasks = RequestTaskSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "subject",
            "status",
            "flow",
            "flow_version",
            "flow_name",
            "current_step",
            "steps",
            "values",
            "tasks",
            "submitted_by",
            "submitted_at",
            "decided_at",
            "last_urged_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ApprovalRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["values"] = selectors.values_seen_by(self.context["request"].user, instance)
        return data

    def get_current_step(self, request: ApprovalRequest) -> int | None:
        return request.current_step + 1 if request.current_step is not None and request.is_pending else None


class SubmitSerializer(StrictJSONTypes, serializers.Serializer):
    kind = serializers.ChoiceField(choices=[], help_text="A registered kind, e.g. `deal_registration`.")
    subject = serializers.IntegerField(help_text="The id of the record to approve, as its kind knows it.")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        # Kinds register at start-up (AppConfig.ready), after this module may be imported.
        cast(serializers.ChoiceField, fields["kind"]).choices = _kind_choices()
        return fields


class DecisionSerializer(StrictJSONTypes, serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReasonSerializer(StrictJSONTypes, serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text="Why: the submitter reads it.")


class DelegationSerializer(StrictJSONTypes, serializers.ModelSerializer):
    delegate = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text="User id of the colleague.")
    starts_on = serializers.DateField(help_text="First day away.")
    ends_on = serializers.DateField(help_text="Last day away (included).")

    class Meta:
        model = Delegation
        fields = ["id", "delegate", "starts_on", "ends_on", "created_at"]
        read_only_fields = ["id", "created_at"]


class ApprovalSettingsSerializer(StrictJSONTypes, serializers.Serializer):
    remind_after_hours = serializers.IntegerField(
        min_value=1,
        max_value=720,
        allow_null=True,
        help_text="Approvers are reminded of tasks waiting this many hours (again each time); null: never.",
    )
    updated_at = serializers.DateTimeField(read_only=True)


# Filters --------------------------------------------------------------------------


class ApprovalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, help_text="`pending`: your inbox.")
    kind = django_filters.CharFilter(field_name="request__kind", help_text="Only this kind of subject.")

    class Meta:
        model = ApprovalTask
        fields = ["status", "kind"]


class IntegerFilter(django_filters.NumberFilter):
    """A whole number only (django-filter's NumberFilter takes any decimal)."""

    field_class = forms.IntegerField


class ApprovalRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    kind = django_filters.CharFilter(help_text="Only this kind of subject.")
    subject = IntegerFilter(
        field_name="subject_id",
        help_text="With `kind`: this subject's requests, all of them if you may see the subject.",
    )

    class Meta:
        model = ApprovalRequest
        fields = ["status", "kind", "subject"]


# Views ------------------------------------------------------------------------------


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your approvals: the tasks whose approver you are, yourself or as a delegate,
    newest first. `?status=pending` is your inbox (我办理的事宜). A task of a
    request you may see (you take part in it, or may see its subject) opens by id."""

    serializer_class = ApprovalSerializer
    permission_classes = [IsAuthenticated, ModuleAccess]
    module = "approvals"
    lookup_value_regex = r"\d+"
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = ApprovalFilter

    def get_queryset(self) -> QuerySet[ApprovalTask]:
        return selectors.tasks_of(caller(self.request))

    def get_object(self) -> ApprovalTask:
        return selectors.task_get_for_user(caller(self.request), self.kwargs["pk"])

    def _decided(self, task: ApprovalTask) -> Response:
        return Response(ApprovalSerializer(selectors.task_get_for_user(caller(self.request), task.pk)).data)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: ApprovalSerializer, 403: _NOT_YOURS, 409: _CONFLICT},
        description="Approve, with an optional comment. In an any-of step this decides the step; in an all-of "
        "step once everyone approved. 409 when it was decided (or withdrawn) first.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._decided(
            _conflicts(services.approve, task=self.get_object(), by=caller(request), **serializer.validated_data)
        )

    @extend_schema(
        request=ReasonSerializer,
        responses={200: ApprovalSerializer, 403: _NOT_YOURS, 409: _CONFLICT},
        description="Reject, saying why: the request is rejected; its subject may be submitted again.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._decided(
            _conflicts(services.reject, task=self.get_object(), by=caller(request), **serializer.validated_data)
        )

    @extend_schema(
        request=ReasonSerializer,
        responses={200: ApprovalSerializer, 403: _NOT_YOURS, 409: _CONFLICT},
        description="Return the request to its submitter, saying what to change: it ends as `returned`, the "
        "subject goes back to draft and may be submitted again.",
    )
    @action(detail=True, methods=["post"], url_path="return", filter_backends=[], pagination_class=None)
    def return_(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._decided(
            _conflicts(
                services.return_to_submitter, task=self.get_object(), by=caller(request), **serializer.validated_data
            )
        )

    @extend_schema(methods=["GET"], responses=ApprovalSettingsSerializer, description="The tenant's approval settings.")
    @extend_schema(
        methods=["PATCH"],
        request=ApprovalSettingsSerializer,
        responses={200: ApprovalSettingsSerializer, 403: OpenApiResponse(response=DetailSerializer)},
        description="Change the tenant's approval settings (admin).",
    )
    @action(detail=False, methods=["get", "patch"], url_path="settings", filter_backends=[], pagination_class=None)
    def approval_settings(self, request: Request) -> Response:
        if request.method == "GET":
            return Response(ApprovalSettingsSerializer(selectors.approval_settings()).data)
        if not permissions.may_administer(caller(request)):
            raise PermissionDenied("Only the tenant's admins may do this.")
        current = selectors.approval_settings()
        serializer = ApprovalSettingsSerializer(current, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = {"remind_after_hours": current.remind_after_hours, **serializer.validated_data}
        return Response(ApprovalSettingsSerializer(services.update_settings(by=caller(request), **values)).data)


class ApprovalRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests for approval you take part in (submitted, or have a task of),
    latest first, with their steps as submitted and every task. `?kind=&subject=`
    lists one subject's requests: all of them when you may see the subject.
    POST submits a subject for approval."""

    serializer_class = ApprovalRequestSerializer
    permission_classes = [IsAuthenticated, ModuleAccess]
    module = "approvals"
    lookup_value_regex = r"\d+"
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = ApprovalRequestFilter

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        kind, subject = self.request.query_params.get("kind"), self.request.query_params.get("subject", "")
        if kind and subject.isdigit():
            return selectors.subject_requests_for_user(caller(self.request), kind, int(subject))
        return selectors.requests_of(caller(self.request))

    def get_object(self) -> ApprovalRequest:
        return selectors.request_get_for_user(caller(self.request), self.kwargs["pk"])

    @extend_schema(
        request=SubmitSerializer,
        responses={
            201: ApprovalRequestSerializer,
            404: OpenApiResponse(response=DetailSerializer, description="No such subject, or not visible to you."),
        },
        description="Submit a subject you may see for approval. Its kind's flow is snapshotted; steps whose "
        "conditions fail are skipped, and when none applies the request is approved at once. 400 when the "
        "subject already waits for approval; 404 when you may not see it.",
    )
    def create(self, request: Request) -> Response:
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = registry.kind_of(serializer.validated_data["kind"])
        subject = kind.get_for_user(caller(request), serializer.validated_data["subject"])
        made = services.submit(kind=kind.name, subject=subject, by=caller(request))
        return Response(
            ApprovalRequestSerializer(
                selectors.request_get_for_user(caller(request), made.pk), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={200: ApprovalRequestSerializer, 403: _NOT_YOURS, 409: _CONFLICT},
        description="Take your pending request back; the subject may be submitted again.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        done = _conflicts(services.withdraw, request=self.get_object(), by=caller(request))
        return Response(
            ApprovalRequestSerializer(
                selectors.request_get_for_user(caller(request), done.pk), context={"request": request}
            ).data
        )

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("Urged", {"urged": serializers.IntegerField(help_text="Approvers notified.")}),
            403: _NOT_YOURS,
            429: OpenApiResponse(
                response=DetailSerializer, description="Urged less than an hour ago; see Retry-After."
            ),
        },
        description="Urge (催办) the approvers your pending request waits on: a notification and an e-mail each. "
        "Once an hour per request.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def urge(self, request: Request, pk: str | None = None) -> Response:
        try:
            urged = services.urge(request=self.get_object(), by=caller(request))
        except services.UrgedTooSoon as error:
            return Response(
                {"detail": error.message_dict["detail"][0]},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(error.retry_after)},
            )
        return Response({"urged": urged})


class DelegationViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your delegations (委托): while you are away (from–to, days included) the
    approval tasks that arise for you go to the colleague you name. Ones that
    are over are not listed."""

    serializer_class = DelegationSerializer
    permission_classes = [IsAuthenticated, ModuleAccess]
    module = "approvals"
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Delegation]:
        return selectors.delegations_of(caller(self.request))

    def get_object(self) -> Delegation:
        return selectors.delegation_get_for_user(caller(self.request), self.kwargs["pk"])

    def perform_create(self, serializer: serializers.BaseSerializer[Delegation]) -> None:
        serializer.instance = services.create_delegation(by=caller(self.request), **serializer.validated_data)

    def perform_destroy(self, instance: Delegation) -> None:
        services.delete_delegation(delegation=instance, by=caller(self.request))


def _conflicts(service: Any, **kwargs: Any) -> Any:
    """Call `service`; its DecisionConflict answers 409 (someone decided first)."""
    try:
        return service(**kwargs)
    except services.DecisionConflict as error:
        raise Conflict(error.message_dict.get("detail", error.messages)[0]) from None


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Already decided; nothing was changed."
    default_code = "conflict"
