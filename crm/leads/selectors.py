from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Case, CharField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Right

from crm.access import masking, scope
from crm.accounts import matching
from crm.deals.models import Source
from crm.leads.models import Lead

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User

# At most this many duplicate candidates are reported.
MAX_CANDIDATES = 20


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """Leads `user` may see, with their owner loaded."""
    return scope.visible(Lead.objects.select_related("owner"), user)


def open_leads_visible_to(user: User) -> QuerySet[Lead]:
    """Leads `user` may see that are not converted yet (a converted lead is read-only)."""
    return leads_visible_to(user).exclude(status=Lead.Status.CONVERTED)


def lead_get_for_user(user: User, pk: int | str) -> Lead:
    """One lead `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(Lead.objects.select_related("owner"), user, pk)


def lead_statuses(*, settable: bool = False) -> list[tuple[str, StrOrPromise]]:
    """(value, label) choices of a lead's status; `settable`: without `converted`,
    which only conversion sets."""
    return [c for c in Lead.Status.choices if not (settable and c[0] == Lead.Status.CONVERTED)]


def lead_sources() -> Sequence[tuple[str, StrOrPromise]]:
    """(value, label) choices of where a lead came from."""
    return Source.choices


def duplicate_candidates(user: User, *, email: str = "", phone: str = "") -> list[Lead]:
    """Leads `user` can see with the same e-mail or phone (compared as
    crm.accounts.matching normalises them), not-yet-converted ones first. Each
    gets `matched_on`. An e-mail or phone masked for `user`'s role is not
    compared (crm.access.masking.matchable): a match would confirm it."""
    keys = masking.matchable(user, "leads", {"email": matching.email_key(email), "phone": matching.phone_key(phone)})
    email, phone = keys.get("email", ""), keys.get("phone", "")
    # Leads store no match keys, so the phone key is computed in the query: its
    # digits, the last PHONE_DIGITS of them.
    digits = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace", output_field=CharField())
    queryset = Lead.objects.annotate(phone_tail=Right(digits, matching.PHONE_DIGITS))
    condition = Q()
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        condition |= Q(phone_tail=phone)
    if not condition:
        return []
    queryset = scope.visible(queryset.filter(condition), user)
    found: list[Lead] = []
    converted_last = Case(When(status=Lead.Status.CONVERTED, then=Value(1)), default=Value(0))
    for lead in queryset.order_by(converted_last, "id")[:MAX_CANDIDATES]:
        lead.matched_on = [
            label
            for label, key, mine in (
                ("email", email, matching.email_key(lead.email)),
                ("phone", phone, matching.phone_key(lead.phone)),
            )
            if key and key == mine
        ]
        found.append(lead)
    return found


def same_name_candidates(user: User, *, first_name: str, last_name: str = "") -> list[Lead]:
    """Leads `user` can see with the same name (case, width and spacing ignored,
    as crm.accounts.matching compares names), oldest first, each with
    `matched_on` ["name"]. A last name masked for `user`'s role is no key: a
    match would confirm it."""
    key = masking.matchable(user, "leads", {"last_name": matching.person_name_key(first_name, last_name)}).get(
        "last_name", ""
    )
    if not key or not first_name.strip():
        return []
    # Leads store no name key: narrowed in the query by the first name, then compared.
    queryset = scope.visible(Lead.objects.filter(first_name__iexact=first_name.strip()), user).order_by("id")
    found: list[Lead] = []
    for lead in queryset[: MAX_CANDIDATES * 5]:
        if matching.person_name_key(lead.first_name, lead.last_name) == key:
            lead.matched_on = ["name"]
            found.append(lead)
    return found[:MAX_CANDIDATES]
