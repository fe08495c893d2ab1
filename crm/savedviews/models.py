from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A user's named filters and sort of one list page, kept as the page's query
    string. It holds no records: opening it runs the query through the viewer's
    own scoped selector, so a shared view shows each viewer only what they may see."""

    class List(models.TextChoices):
        """The built-in lists; a custom object's list is "cx:<object name>" (crm.savedviews.selectors)."""

        ACCOUNTS = "accounts", _("Accounts")
        CONTACTS = "contacts", _("Contacts")
        LEADS = "leads", _("Leads")
        DEALS = "deals", _("Deals")
        POOL = "pool", _("Customer pool")

    # `user`, not `owner`: a saved view is a preference, not a record that is
    # scoped, shared or reassigned like the records with an owner.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    # No choices: the custom objects' lists come and go with the tenant's objects
    # (the service checks the name). 43 = "cx:" and a custom object's 40 characters.
    list_name = models.CharField(_("list"), max_length=43)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters and sort"), max_length=1000, blank=True)
    shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("user", "list_name", Lower("name"), name="saved_view_name_unique_per_user_list"),
        ]
        indexes = [models.Index(fields=["list_name", "shared"])]

    def __str__(self) -> str:
        return self.name
