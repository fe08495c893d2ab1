from rest_framework import viewsets


class RecordViewSet(viewsets.ModelViewSet):
    """CONTRACT.md "Records": GET list/detail, POST, PATCH, DELETE; no PUT.

    Subclasses name their selectors and services as static methods; nothing here
    decides scope itself:
    `visible_to(user)`, `get_for_user(user, pk)`, `create_record(*, by, **fields)`,
    `update_record(instance, *, by, **fields)`, `delete_record(instance, *, by)`.
    """

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return self.visible_to(self.request.user)

    def get_object(self):
        return self.get_for_user(self.request.user, self.kwargs["pk"])

    def perform_create(self, serializer):
        serializer.instance = self.create_record(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_record(serializer.instance, by=self.request.user,
                                                 **serializer.validated_data)

    def perform_destroy(self, instance):
        self.delete_record(instance, by=self.request.user)
