from crm.users.models import User


def users_with_teams():
    """Every user of the tenant with their team membership loaded (for admins)."""
    return User.objects.select_related("membership").order_by("email")
