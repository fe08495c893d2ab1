from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import tenant_context

from tenants import plans, provisioning, selectors, subdomains, time_zones, welcome
from tenants.models import Domain, Tenant
from tenants.signals import tenant_created, tenant_seeding

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

_TAKEN = _("This subdomain is already taken.")


class _PoolEmpty(Exception):
    pass


def sign_up(
    *,
    company: str,
    subdomain: str,
    email: str,
    password: str,
    seats: int,
    interval: str,
    time_zone: str = "",
    language: str | None = None,
    plan: str = "",
    currency: str = "",
) -> Tenant:
    """Create a company's tenant with its owner as `admin`, ready to answer when this returns.

    The rows a tenant starts with (pipeline, stages) are named in `language`
    (the sign-up page's or Accept-Language, which the views pass; default
    settings.LANGUAGE_CODE).
    `time_zone` is the company's (an IANA name, usually the browser's); without one
    it is Asia/Shanghai for a sign-up in Chinese, else UTC.
    `plan` is a code of settings.BILLING_PLANS and sets the currency; without one,
    `currency` (else CNY for a sign-up in Chinese or from a China time zone, else
    USD) picks that currency's default plan (tenants/plans.py). Billing opens the
    subscription on it.

    Raises ValidationError with field messages. All or nothing: the schema, the
    tenant row, its domain and its owner commit together or not at all. Takes a
    spare schema from the pool; when the pool is empty it prepares one first (slow,
    seconds) rather than fail. Queues a pool refill after commit.
    """
    subdomain = subdomains.normalize(subdomain)
    email = (email or "").strip()
    errors = _sign_up_errors(
        company=company, subdomain=subdomain, email=email, password=password, seats=seats, interval=interval
    )
    seed_language = _seed_language(language)
    time_zone = (time_zone or "").strip() or time_zones.default_for_language(seed_language)
    if not time_zones.is_valid(time_zone):
        errors["time_zone"] = time_zones.unknown_zone_messages(time_zone)
    plan, currency, plan_errors = _plan_and_currency(
        plan=plan, currency=currency, language=seed_language, time_zone=time_zone
    )
    errors.update(plan_errors)
    if errors:
        raise ValidationError(errors)

    for _attempt in range(3):
        try:
            with transaction.atomic():
                tenant = _create_tenant(
                    company=company.strip(),
                    subdomain=subdomain,
                    email=email,
                    password=password,
                    seats=seats,
                    interval=interval,
                    language=seed_language,
                    time_zone=time_zone,
                    plan=plan,
                    currency=currency,
                )
        except _PoolEmpty:
            log.warning("spare schema pool empty; preparing one during sign-up of %s", subdomain)
            provisioning.prepare_spare()
            continue
        except IntegrityError:
            # A concurrent sign-up took the same subdomain between our check and our insert.
            raise ValidationError({"subdomain": [_TAKEN]}) from None
        transaction.on_commit(_queue_pool_refill)
        transaction.on_commit(partial(tenant_created.send, sender=Tenant, tenant_id=tenant.pk))
        return tenant
    raise RuntimeError("could not take a spare schema after preparing one three times")


def _sign_up_errors(
    *, company: str, subdomain: str, email: str, password: str, seats: int, interval: str
) -> dict[str, Sequence[StrOrPromise]]:
    errors: dict[str, Sequence[StrOrPromise]] = {}
    if not (company or "").strip():
        errors["company"] = [_("This field may not be blank.")]
    try:
        subdomains.validate(subdomain)
        if selectors.subdomain_taken(subdomain):
            errors["subdomain"] = [_TAKEN]
    except ValidationError as exc:
        errors["subdomain"] = exc.messages
    try:
        validate_password(password, user=get_user_model()(email=email))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
        errors["seats"] = [_("Ensure this value is greater than or equal to 1.")]
    if interval not in Tenant.Interval.values:
        errors["interval"] = [_('Choose "month" or "year".')]
    return errors


def _plan_and_currency(
    *, plan: str, currency: str, language: str, time_zone: str
) -> tuple[str, str, dict[str, Sequence[StrOrPromise]]]:
    plan = (plan or "").strip()
    currency = (currency or "").strip().lower()
    errors: dict[str, Sequence[StrOrPromise]] = {}
    if currency and currency not in plans.currencies():
        errors["currency"] = [_("Choose one of: %(currencies)s.") % {"currencies": ", ".join(plans.currencies())}]
        return plan, currency, errors
    if plan:
        plan_currency = plans.plan_currency(plan)
        if plan_currency is None:
            errors["plan"] = [_("There is no plan %(plan)s.") % {"plan": plan}]
        elif currency and plan_currency != currency:
            errors["plan"] = [_("This plan is not billed in %(currency)s.") % {"currency": currency.upper()}]
        else:
            currency = plan_currency
        return plan, currency, errors
    currency = currency or plans.default_currency(language=language, time_zone=time_zone)
    return plans.default_plan(currency), currency, errors


def _seed_language(language: str | None) -> str:
    """`language` as one of settings.LANGUAGES; else the default. Not the active
    language: whatever happened to be active (a test, a task) must not name a
    tenant's pipeline; the sign-up views pass theirs."""
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _create_tenant(
    *,
    company: str,
    subdomain: str,
    email: str,
    password: str,
    seats: int,
    interval: str,
    language: str,
    time_zone: str,
    plan: str,
    currency: str,
) -> Tenant:
    schema_name = subdomains.schema_name_for(subdomain)
    if not provisioning.claim_spare(rename_to=schema_name):
        raise _PoolEmpty
    tenant = Tenant.objects.create(
        schema_name=schema_name,
        subdomain=subdomain,
        company=company,
        owner_email=email,
        seats=seats,
        billing_interval=interval,
        time_zone=time_zone,
        plan=plan,
        currency=currency,
        trial_ends_at=timezone.now() + timedelta(days=settings.TRIAL_DAYS),
    )
    Domain.objects.create(domain=f"{subdomain}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True)
    with tenant_context(tenant):
        # The owner is the superuser of their own schema, which the user model
        # maps to the `admin` role; tenants/ stays below crm/ this way.
        get_user_model().objects.create_superuser(email=email, password=password)
        tenant_seeding.send(sender=Tenant, tenant=tenant, language=language)
    return tenant


def welcome_token(*, tenant: Tenant) -> str:
    """The single-use, short-lived token that signs the owner of a tenant just
    signed up in on its own host (tenants/welcome.py)."""
    with tenant_context(tenant):
        owner = get_user_model().objects.get(email__iexact=tenant.owner_email)
        return welcome.token_for(tenant=tenant, user=owner)


def set_time_zone(*, tenant: Tenant, time_zone: str) -> str:
    """Change the company's time zone; returns the previous one. Raises ValidationError
    on `time_zone` for a name zoneinfo does not know."""
    time_zones.validate(time_zone)
    previous = tenant.time_zone
    Tenant.objects.filter(pk=tenant.pk).update(time_zone=time_zone)
    tenant.time_zone = time_zone
    return previous


def _queue_pool_refill() -> None:
    from tenants.tasks import refill_spare_pool

    refill_spare_pool.delay()


def apply_billing(
    *,
    tenant_id: int,
    status: str | None = None,
    seats: int | None = None,
    interval: str | None = None,
    grace_ends_at: datetime | None = None,
) -> str:
    """What billing allows a tenant, pushed onto its row (ARCHITECTURE.md: crm reads
    it, billing writes it through here). Locks the row so a seat count taken in
    the same moment sees either the old or the new limit. Returns the previous
    status."""
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
        previous = tenant.status
        if status is not None:
            tenant.status = status
        if seats is not None:
            tenant.seats = seats
        if interval is not None:
            tenant.billing_interval = interval
        tenant.grace_ends_at = grace_ends_at if tenant.status == Tenant.Status.PAST_DUE else None
        tenant.save(update_fields=["status", "seats", "billing_interval", "grace_ends_at"])
    return previous


def delete_tenant(tenant: Tenant) -> None:
    """Remove a tenant with its schema and domains, in one transaction."""
    if connection.schema_name != "public":  # type: ignore[attr-defined]  # django-tenants' backend adds it
        raise RuntimeError("delete_tenant must run in the public schema")
    with transaction.atomic():
        # Locked first, so that work on the tenant row (billing opening its
        # subscription) finishes before, or finds no tenant after.
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        provisioning.drop_schema(tenant.schema_name)
        tenant.domains.all().delete()
        tenant.delete()


def set_restoring(*, tenant_id: int, on: bool) -> None:
    """Mark a tenant as being restored from a backup (read-only with a banner,
    tenants/access.py) or not any more. Commits with the caller's transaction."""
    Tenant.objects.filter(pk=tenant_id).update(restoring=on)


def create_tenant_for_schema(
    *, schema_name: str, subdomain: str, company: str, owner_email: str, seats: int, interval: str
) -> Tenant:
    """A tenant, with its domain, for a schema that already holds a CRM (a backup
    restored into a new tenant by ops). Runs in the caller's transaction, which
    must also make the schema. Raises ValidationError for a subdomain that is
    invalid or taken."""
    subdomain = subdomains.normalize(subdomain)
    try:
        subdomains.validate(subdomain)
    except ValidationError as exc:
        raise ValidationError({"subdomain": exc.messages}) from exc
    if selectors.subdomain_taken(subdomain):
        raise ValidationError({"subdomain": [_TAKEN]})
    tenant = Tenant.objects.create(
        schema_name=schema_name,
        subdomain=subdomain,
        company=company,
        owner_email=owner_email,
        seats=seats,
        billing_interval=interval,
        trial_ends_at=timezone.now() + timedelta(days=settings.TRIAL_DAYS),
    )
    Domain.objects.create(domain=f"{subdomain}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True)
    return tenant


def set_lifecycle(*, tenant_id: int, lifecycle: str, delete_after: datetime | None = None) -> str:
    """Set what ops allow a tenant: `active`, `suspended` (every request of its host
    gets a notice, tenants/access.py) or `deleting` (the same, until its schema is
    dropped after `delete_after`, which it requires; other states clear it).
    Locks the row; commits with the caller's transaction. Returns the previous lifecycle."""
    if (lifecycle == Tenant.Lifecycle.DELETING) != (delete_after is not None):
        raise ValueError("delete_after goes with the deleting lifecycle, and only with it")
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
        previous = tenant.lifecycle
        tenant.lifecycle, tenant.delete_after = lifecycle, delete_after
        tenant.save(update_fields=["lifecycle", "delete_after"])
    log.info(
        "tenant %s lifecycle %s -> %s%s",
        tenant.subdomain,
        previous,
        lifecycle,
        f" (schema dropped after {delete_after:%Y-%m-%d %H:%M} UTC)" if delete_after else "",
    )
    return previous
