"""The customer pool (公海): accounts without an owner, which anyone may claim
(up to the tenant's cap), into which owners release accounts, and into which
the nightly task releases accounts nobody followed up or sold to.

Every claim, release and auto-release leaves an audit row on the account:
`pool.claimed`, `pool.released`, `pool.auto_released`.
"""

import datetime
import logging

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access.ownership import owner_or_above
from crm.accounts import selectors
from crm.accounts.models import Account, PoolSettings
from crm.audit import services as audit
from crm.users.models import User

log = logging.getLogger(__name__)

SETTINGS_FIELDS = ("claim_cap", "release_after_days_without_follow_up", "release_after_days_without_deal")


@transaction.atomic
def update_settings(*, by, **values):
    """Change the tenant's pool rules (the API lets only admins); audit row old → new."""
    settings = PoolSettings.objects.select_for_update().get(pk=selectors.pool_settings().pk)
    diff = audit.changes(settings, SETTINGS_FIELDS, values)
    for field, value in values.items():
        setattr(settings, field, value)
    try:
        settings.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    settings.save()
    if diff:
        audit.record(actor=by, action="pool.settings_changed", target=settings, payload=diff)
    return settings


@transaction.atomic
def claim(*, account_id, by):
    """Make `by` the owner of a pool account.

    Concurrent claims are serialised on the account row: exactly one wins, the
    others get a ValidationError. A user's own claims are serialised on their
    user row, so the cap holds under concurrency too. An account that has never
    been in the pool is Http404, as if missing (its existence is not public);
    one that was in the pool and has been claimed since is a ValidationError.
    """
    User.objects.select_for_update().filter(pk=by.pk).first()
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None or (account.pooled_at is None and account.owner_id is not None):
        raise Http404
    if account.owner_id is not None:
        raise ValidationError(
            _("Someone else has claimed this account; it is no longer in the pool.")
            if account.owner_id != by.pk
            else _("You have already claimed this account.")
        )
    cap = selectors.pool_settings().claim_cap
    if cap is not None and selectors.owned_count(by) >= cap:
        raise ValidationError(
            _(
                "You already own %(count)d accounts, the most a user may own to claim from the pool (%(cap)d). "
                "Release some first."
            )
            % {"count": selectors.owned_count(by), "cap": cap}
        )
    account.owner, account.owner_since = by, timezone.now()
    account.save(update_fields=["owner", "owner_since", "updated_at"])
    audit.record(actor=by, action="pool.claimed", target=account, payload={"owner": by.pk})
    return account


@transaction.atomic
def release(*, account, by, reason=""):
    """Put `account` (visible to `by`) back in the pool: its owner, their managers,
    directors and admins may; someone it is only shared with may not."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.owner_id is None:
        raise ValidationError(_("This account is already in the pool."))
    if not owner_or_above(by, account):
        raise PermissionDenied(_("Only the owner, their managers and directors may release this account."))
    previous = account.owner_id
    _to_pool(account)
    audit.record(
        actor=by,
        action="pool.released",
        target=account,
        payload={"owner": previous, "reason": reason} if reason else {"owner": previous},
    )
    return account


def _to_pool(account):
    account.owner, account.owner_since, account.pooled_at = None, None, timezone.now()
    account.save(update_fields=["owner", "owner_since", "pooled_at", "updated_at"])


def _follow_up_model():
    """crm/activities' FollowUp (one row per account with `last_contact_at`), if
    that app has it and its table exists yet; else None (then only the account's
    own `last_contacted_at` counts)."""
    try:
        model = apps.get_model("activities", "FollowUp")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    if not {"account", "last_contact_at"} <= names:
        return None
    if model._meta.db_table not in connection.introspection.table_names():
        return None
    return model


def _deal_relations():
    """(model, field name) of crm/deals' Deal → Account, if that app is installed."""
    for rel in Account._meta.related_objects:
        if rel.related_model._meta.label_lower == "deals.deal" and (rel.one_to_many or rel.one_to_one):
            return rel.related_model, rel.field.name
    return None


def accounts_due_for_release(now=None, only=None):
    """{account id: reason} for owned accounts the tenant's rules send back to the pool:
    - `no_follow_up`: nobody followed up for N days (latest of crm/activities'
      FollowUp.last_contact_at, the account's `last_contacted_at`, and the day
      the current owner got it);
    - `no_deal`: no deal created or changed in M days, and owned for M days."""
    now = now or timezone.now()
    settings = selectors.pool_settings()
    owned = Account.objects.filter(owner__isnull=False)
    if only is not None:
        owned = owned.filter(pk=only)
    since_owner = Coalesce(F("owner_since"), F("created_at"))
    due = {}
    if settings.release_after_days_without_follow_up:
        cutoff = now - datetime.timedelta(days=settings.release_after_days_without_follow_up)
        latest = [F("last_contacted_at"), since_owner]
        follow_up = _follow_up_model()
        if follow_up is not None:
            latest.append(Subquery(follow_up.objects.filter(account=OuterRef("pk")).values("last_contact_at")[:1]))
        for pk in (
            owned.annotate(followed_up=Greatest(*latest)).filter(followed_up__lt=cutoff).values_list("pk", flat=True)
        ):
            due[pk] = "no_follow_up"
    deals = _deal_relations()
    if settings.release_after_days_without_deal and deals is not None:
        deal_model, field = deals
        cutoff = now - datetime.timedelta(days=settings.release_after_days_without_deal)
        recent = deal_model._base_manager.filter(**{field: OuterRef("pk")})
        recent = recent.filter(updated_at__gte=cutoff) if hasattr(deal_model, "updated_at") else recent
        for pk in (
            owned.annotate(since=since_owner)
            .filter(since__lt=cutoff)
            .exclude(Exists(recent))
            .values_list("pk", flat=True)
        ):
            due.setdefault(pk, "no_deal")
    return due


def auto_release(now=None):
    """Release every account due (accounts_due_for_release), each in its own
    transaction, re-checked under a row lock so a claim or update racing the
    task wins. Audit row `pool.auto_released` with the reason. Returns how many."""
    now = now or timezone.now()
    released = 0
    for pk, reason in accounts_due_for_release(now).items():
        with transaction.atomic():
            account = Account.objects.select_for_update().filter(pk=pk).first()
            if account is None or pk not in accounts_due_for_release(now, only=pk):
                continue
            previous = account.owner_id
            _to_pool(account)
            audit.record(
                actor=None, action="pool.auto_released", target=account, payload={"owner": previous, "reason": reason}
            )
            released += 1
    if released:
        log.info("auto-released %d accounts to the pool", released)
    return released
