from crm.access import scope
from crm.leads.models import Lead


def leads_visible_to(user):
    """Leads `user` may see, with their owner loaded."""
    return scope.visible(Lead.objects.select_related("owner"), user)


def lead_get_for_user(user, pk):
    """One lead `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(Lead.objects.select_related("owner"), user, pk)
