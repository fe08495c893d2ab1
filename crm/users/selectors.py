from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from crm.users.models import Role, User, UserPhoto
from tenants.selectors import current_tenant

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def user_for_sign_in(email: str) -> User | None:
    """The user (active or not) that signing in with `email` would try: the same
    case-insensitive match as the user manager's natural key, which PostgreSQL
    decides (it folds some look-alike letters, such as "ſ" to "S")."""
    return User.objects.filter(email__iexact=email).order_by("pk").first() if email else None


def users_with_teams() -> QuerySet[User]:
    """Every user of the tenant with their team membership loaded (for admins)."""
    return User.objects.select_related("membership").order_by("email")


def users_with_team_names() -> QuerySet[User]:
    """Every user of the tenant with their team loaded (the admin's user list)."""
    return users_with_teams().select_related("membership__team")


def user_get(pk: int | str) -> User:
    """One user of the tenant, with their team (admin pages); Http404 when there is none."""
    try:
        return users_with_team_names().get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def roles() -> Sequence[tuple[str, StrOrPromise]]:
    """The roles a user may have, as (value, label) choices for forms."""
    return Role.choices


def seat_usage() -> tuple[int, int]:
    """(active users, paid seats) of the current tenant: every active user takes a seat."""
    return User.objects.filter(is_active=True).count(), current_tenant().seats


def owned_models() -> Iterator[type[models.Model]]:
    """Every tenant model with an `owner` pointing at a user, in any app."""
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "owner"), None)
        if field is not None and field.is_relation and field.related_model is User:
            yield model


def record_kind_names() -> dict[str, StrOrPromise | None]:
    """{model label ("accounts.account"): its plural name} for every kind of owned record."""
    return {model._meta.label_lower: model._meta.verbose_name_plural for model in owned_models()}


def owned_record_counts(user: User) -> list[tuple[StrOrPromise | None, int]]:
    """[(plural name, count)] of the records `user` owns, kinds with none left out:
    what a reassignment of their records would move."""
    counts: list[tuple[StrOrPromise | None, int]] = []
    for model in owned_models():
        count = model._default_manager.filter(owner=user).count()
        if count:
            counts.append((model._meta.verbose_name_plural, count))
    return counts


def admin_emails() -> list[str]:
    """Addresses of the tenant's active admins (billing notices go to them)."""
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True))


def photo_of(user_id: object) -> UserPhoto | None:
    """The photo of the active user `user_id` of this tenant, or None."""
    try:
        return UserPhoto.objects.filter(user_id=int(str(user_id)), user__is_active=True).first()
    except (TypeError, ValueError, OverflowError):
        return None
