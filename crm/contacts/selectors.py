from django.db.models import Prefetch, Q

from crm.access import scope
from crm.accounts import matching
from crm.contacts.models import Contact, ContactAccount

# At most this many duplicate candidates are reported.
MAX_CANDIDATES = 20


def _contacts():
    return Contact.objects.select_related("owner", "account").prefetch_related(
        Prefetch("account_links", queryset=ContactAccount.objects.order_by("-is_primary", "id")))


def contacts_visible_to(user):
    """Contacts `user` may see, with owner, primary account and account links loaded."""
    return scope.visible(_contacts(), user)


def contact_get_for_user(user, pk):
    """One contact `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(_contacts(), user, pk)


def duplicate_candidates(user, *, first_name="", last_name="", email="", phone="", account=None, exclude_pk=None):
    """Contacts `user` can see that look like the one described: the same e-mail,
    the same phone, or the same name at the same account (or anywhere, when no
    account is given). Each gets `matched_on`."""
    email, phone = matching.email_key(email), matching.phone_key(phone)
    name = matching.person_name_key(first_name, last_name)
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
    found = []
    for contact in queryset[:MAX_CANDIDATES]:
        contact.matched_on = [label for label, key, mine in (("name", name, contact.name_key),
                                                             ("email", email, contact.email_key),
                                                             ("phone", phone, contact.phone_key)) if key and key == mine]
        found.append(contact)
    return found
