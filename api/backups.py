"""The tenant admin's backups (CONTRACT.md, "Backups"): take one, list them, and
restore one into this CRM. Thin over ops/backups services and selectors."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.permissions import IsTenantAdmin
from ops.backups import selectors, services
from ops.models import Backup, Restore


class BackupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Backup
        fields = ["id", "status", "size", "created_at", "checksum", "kind", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {
            "size": {"help_text": "Bytes stored (compressed and encrypted); null until done."},
            "checksum": {"help_text": "SHA-256 of the stored object, hex; empty until done."},
            "kind": {"help_text": "`scheduled` (nightly), `manual` (asked for), or `final` (before deletion)."},
        }


class RestoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Restore
        fields = ["id", "backup", "status", "stage", "created_at", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {
            "stage": {
                "help_text": "What the restore is doing: structure, load, indexes, verify, migrate, swap, files, done."
            }
        }


_CONFLICT = OpenApiResponse(
    description="The backup is not finished, or a restore is already running; nothing was started."
)


class BackupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """This CRM's backups, newest first (admins only). Nightly backups are taken
    for every tenant; these endpoints take one now and restore one."""

    serializer_class = BackupSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    lookup_value_regex = r"\d+"
    filter_backends = []
    queryset = Backup.objects.none()

    def get_queryset(self):
        return selectors.backups_of(self.request.tenant)

    def get_object(self):
        return selectors.backup_get_for_tenant(self.request.tenant, self.kwargs["pk"])

    @extend_schema(
        request=None,
        responses={
            202: BackupSerializer,
            409: OpenApiResponse(description="A backup is already pending or running; nothing was started."),
            429: OpenApiResponse(
                description="The day's manual backups are used up (BACKUP_MANUAL_PER_DAY); see Retry-After."
            ),
        },
        description="Take a backup now. It runs on a worker: follow its status at "
        "GET /api/v1/backups/{id}/ until `done` (or `failed`). One at a time, and a "
        "limited number a day.",
    )
    def create(self, request):
        try:
            backup = services.request_backup(tenant=request.tenant, by=request.user)
        except services.BackupInProgress as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.BackupLimitReached as exc:
            return Response(
                {"detail": str(exc)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return Response(BackupSerializer(backup).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={202: RestoreSerializer, 409: _CONFLICT},
        description="Return this CRM to the backup's state. The CRM is read-only until the "
        "restore ends (writes answer 503); users signed in after the backup was "
        "taken sign in again.",
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        backup = self.get_object()
        try:
            item = services.request_restore(backup=backup, by=request.user)
        except services.RestoreRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(RestoreSerializer(item).data, status=status.HTTP_202_ACCEPTED)
