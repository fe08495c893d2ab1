from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from crm.access import masking, scope
from crm.accounts import matching
from crm.accounts.models import Account, AccountWatch, PoolSettings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User

# At most this many duplicate candidates are reported.
MAX_CANDIDATES = 20


def accounts_visible_to(user: User) -> QuerySet[Account]:
    """Accounts `user` may see, with their owner loaded."""
    return scope.visible(Account.objects.select_related("owner"), user)


def account_get_for_user(user: User, pk: int | str) -> Account:
    """One account `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(Account.objects.select_related("owner"), user, pk)


def with_watched(queryset: QuerySet[Account], user: User) -> QuerySet[Account]:
    """`queryset` with `watched`: whether `user` has the account on their watch list."""
    return queryset.annotate(watched=Exists(AccountWatch.objects.filter(user=user, account=OuterRef("pk"))))


def account_choices() -> dict[str, Sequence[tuple[str, StrOrPromise]]]:
    """{field: [(value, label)]} of an account's fields with fixed choices, for
    forms and list filters (pages may not import models)."""
    return {
        "kind": Account.Kind.choices,
        "status": Account.Status.choices,
        "level": Account.Level.choices,
        "value_class": Account.Value.choices,
        "source": Account.Source.choices,
    }


def with_level_rank(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """`queryset` with `level_rank`: 0 for strategic, 1 important, 2 normal, so a
    list sorts by level in its meaning, not alphabetically."""
    order = [Account.Level.STRATEGIC, Account.Level.IMPORTANT, Account.Level.NORMAL]
    return queryset.annotate(
        level_rank=Case(
            *[When(level=level, then=Value(rank)) for rank, level in enumerate(order)],
            default=Value(len(order)),
            output_field=IntegerField(),
        )
    )


def pool_accounts() -> QuerySet[Account]:
    """Accounts in the customer pool (no owner). Everyone who may use the pool
    module browses it, whatever their scope; most recently released first."""
    return Account.objects.filter(owner__isnull=True).order_by("-pooled_at", "-id")


def pool_account_get(pk: int | str) -> Account:
    """One account in the pool; Http404 if it is missing or has an owner."""
    try:
        return pool_accounts().get(pk=pk)
    except (Account.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def duplicate_candidates(
    user: User, *, name: str = "", phone: str = "", email: str = "", exclude_pk: int | None = None
) -> list[Account]:
    """Accounts that look like the one described, among those `user` can see
    and those in the pool (which everyone can browse). Each gets `matched_on`.

    Only what `user` may read is compared (crm.access.masking.matchable): a
    phone or e-mail masked for their role is no key, and a pool account that is
    not in their scope matches on its name only, as the pool shows nothing
    else of it. A match never confirms a value the user cannot see."""
    keys = masking.matchable(
        user,
        "accounts",
        {
            "name": matching.company_name_key(name),
            "phone": matching.phone_key(phone),
            "email": matching.email_key(email),
        },
    )
    if not keys:
        return []
    visible = Q(pk__in=accounts_visible_to(user).values("pk"))
    condition = Q()
    for field, key in keys.items():
        condition |= Q(**{f"{field}_key": key})
    in_pool = Q(owner__isnull=True, name_key=keys["name"]) if "name" in keys else Q(pk__in=[])
    queryset = (
        Account.objects.filter((visible & condition) | in_pool)
        .annotate(in_scope=Exists(accounts_visible_to(user).filter(pk=OuterRef("pk"))))
        .order_by("id")
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    found: list[Account] = []
    for account in queryset[:MAX_CANDIDATES]:
        compared = keys if account.in_scope else {"name": keys.get("name", "")}
        account.matched_on = [
            field for field, key in compared.items() if key and getattr(account, f"{field}_key") == key
        ]
        found.append(account)
    return found


def pool_settings() -> PoolSettings:
    """The tenant's pool rules (made with the defaults on first use)."""
    settings, _created = PoolSettings.objects.get_or_create(pk=1)
    return settings


def owned_count(user: User) -> int:
    return Account.objects.filter(owner=user).count()
