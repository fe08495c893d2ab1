"""Signals other packages may listen to without tenants/ importing them
(billing opens a subscription when a tenant is created). Receivers only queue
work; the work itself lives in their services."""

from django.dispatch import Signal

# Sent after the sign-up transaction commits, with `tenant_id`.
tenant_created = Signal()
