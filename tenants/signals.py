"""Signals other packages may listen to without tenants/ importing them
(billing opens a subscription when a tenant is created). Receivers only queue
work; the work itself lives in their services."""

from django.dispatch import Signal

# Sent after the sign-up transaction commits, with `tenant_id`.
tenant_created = Signal()

# Sent inside the sign-up transaction, in the new tenant's schema, with `tenant`
# and `language` (the sign-up's language code, one of settings.LANGUAGES):
# packages whose seeded rows carry words (crm.deals: the default pipeline and its
# stages) put them in that language, all or nothing with the sign-up.
tenant_seeding = Signal()
