from django.contrib import admin
from django.http import HttpRequest

from tenants.models import Domain, SpareSchema, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("subdomain", "company", "owner_email", "status", "seats", "billing_interval", "created_at")
    list_filter = ("status", "billing_interval")
    search_fields = ("subdomain", "company", "owner_email")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]

    def has_delete_permission(self, request: HttpRequest, obj: Tenant | None = None) -> bool:
        # Deleting drops a customer's data: that is an ops command with a backup first.
        return False


@admin.register(SpareSchema)
class SpareSchemaAdmin(admin.ModelAdmin):
    list_display = ("schema_name", "fingerprint", "created_at")
