from crm.access import scope
from crm.contacts.models import Contact


def contacts_visible_to(user):
    """Contacts `user` may see, with owner and account loaded."""
    return scope.visible(Contact.objects.select_related("owner", "account"), user)


def contact_get_for_user(user, pk):
    """One contact `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(Contact.objects.select_related("owner", "account"), user, pk)
