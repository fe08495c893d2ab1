"""E-mail to a tenant's admins about billing, as a Celery task queued with the
tenant's schema in its headers (TenantTask runs it inside that tenant). Its own
module, so that billing.services can queue it without importing billing.tasks
(which imports the services)."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from crm.users.selectors import admin_emails


@shared_task(name="billing.tasks.email_tenant_admins")
def email_tenant_admins(subject, message):
    recipients = admin_emails()
    if recipients:
        send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)
