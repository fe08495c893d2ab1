from crm.access import scope
from crm.accounts.models import Account


def accounts_visible_to(user):
    """Accounts `user` may see, with their owner loaded."""
    return scope.visible(Account.objects.select_related("owner"), user)


def account_get_for_user(user, pk):
    """One account `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(Account.objects.select_related("owner"), user, pk)
