from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from crm.access import masking, scope
from crm.accounts import matching
from crm.accounts.selectors import accounts_visible_to
from crm.contacts.models import Contact, ContactAccount, Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.accounts.models import Account
    from crm.users.models import User

# At most this many duplicate candidates are reported.
MAX_CANDIDATES = 20


def _contacts() -> QuerySet[Contact]:
    return Contact.objects.select_related("owner", "account").prefetch_related(
        Prefetch("account_links", queryset=ContactAccount.objects.order_by("-is_primary", "id"))
    )


def contact_roles() -> Sequence[tuple[str, StrOrPromise]]:
    """(value, label) choices of a contact's role at an account."""
    return Role.choices


def contacts_of_account(user: User, account: Account) -> list[Contact]:
    """Contacts `user` may see who relate to `account` in any role (its primary
    contacts first), each with `link_role`: their role at this account."""
    contacts = list(
        contacts_visible_to(user)
        .filter(account_links__account=account)
        .distinct()
        .order_by("last_name", "first_name", "id")
    )
    for contact in contacts:
        link = next((link for link in contact.account_links.all() if link.account_id == account.pk), None)
        contact.link_role = link.get_role_display() if link is not None else ""
        contact.is_primary_here = contact.account_id == account.pk
    contacts.sort(key=lambda contact: not contact.is_primary_here)
    return contacts


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    """Contacts `user` may see, with owner, primary account and account links loaded."""
    return scope.visible(_contacts(), user)


def account_links_of(user: User, contact: Contact) -> QuerySet[ContactAccount]:
    """`contact`'s relations to the accounts `user` may see (the primary one
    first), each with its account loaded; relations to accounts out of `user`'s
    scope are left out, so their names never show."""
    return (
        ContactAccount.objects.filter(contact=contact, account__in=accounts_visible_to(user).values("pk"))
        .select_related("account")
        .order_by("-is_primary", "account__name", "id")
    )


def contact_get_for_user(user: User, pk: int | str) -> Contact:
    """One contact `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(_contacts(), user, pk)


def duplicate_candidates(
    user: User,
    *,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    account: Account | None = None,
    exclude_pk: int | None = None,
) -> list[Contact]:
    """Contacts `user` can see that look like the one described: the same e-mail,
    the same phone, or the same name at the same account (or anywhere, when no
    account is given). Each gets `matched_on`.

    Only what `user` may read is compared (crm.access.masking.matchable): an
    e-mail or phone masked for their role is no key (nor the name, when the
    last name is masked), so a match never confirms a hidden value."""
    keys = masking.matchable(
        user,
        "contacts",
        {
            "email": matching.email_key(email),
            "phone": matching.phone_key(phone),
            "last_name": matching.person_name_key(first_name, last_name),
        },
    )
    email, phone, name = keys.get("email", ""), keys.get("phone", ""), keys.get("last_name", "")
    condition = Q()
    if email:
        condition |= Q(email_key=email)
    if phone:
        condition |= Q(phone_key=phone)
    if name:
        same_name = Q(name_key=name)
        if account is not None:
            same_name &= Q(account_links__account=account)
        condition |= same_name
    if not condition:
        return []
    queryset = scope.visible(Contact.objects.filter(condition), user).distinct().order_by("id")
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    found: list[Contact] = []
    for contact in queryset[:MAX_CANDIDATES]:
        contact.matched_on = [
            label
            for label, key, mine in (
                ("name", name, contact.name_key),
                ("email", email, contact.email_key),
                ("phone", phone, contact.phone_key),
            )
            if key and key == mine
        ]
        found.append(contact)
    return found
