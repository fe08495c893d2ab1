# The part of django-tenants 4 this project uses (the package ships no type information).
# Declared as Django models so that the plugin of django-stubs types Tenant and Domain.
from types import TracebackType
from typing import ClassVar, Self

from django.db import models

class TenantMixin(models.Model):
    auto_drop_schema: ClassVar[bool]
    auto_create_schema: ClassVar[bool]
    schema_name = models.CharField(max_length=63, unique=True)
    # Set by the middleware on the request's tenant.
    domain_url: str | None

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None, exc_tb: TracebackType | None
    ) -> None: ...
    def activate(self) -> None: ...
    @classmethod
    def deactivate(cls) -> None: ...
    def get_primary_domain(self) -> DomainMixin | None: ...

class DomainMixin(models.Model):
    domain = models.CharField(max_length=253, unique=True)
    # To settings.TENANT_MODEL; the plugin of django-stubs reads the real target from the model.
    tenant = models.ForeignKey(TenantMixin, on_delete=models.CASCADE, related_name="domains")
    is_primary = models.BooleanField(default=True)
