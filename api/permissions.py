from rest_framework.permissions import BasePermission

from crm.access import permissions


class IsTenantAdmin(BasePermission):
    message = "Only the tenant's admins may do this."

    def has_permission(self, request, view):
        return permissions.may_administer(request.user)


class ModuleAccess(BasePermission):
    """Refuses a module the admin has hidden from the caller's role."""

    message = "Your role cannot use this module."

    def has_permission(self, request, view):
        return permissions.may_use_module(request.user, view.module)
