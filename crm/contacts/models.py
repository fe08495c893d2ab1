from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.contacts import names

if TYPE_CHECKING:
    from crm.accounts.models import Account


class Role(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    OTHER = "other", _("Other")


class Contact(models.Model):
    """A person we talk to, at one or more accounts. `account` is the primary one
    (CONTRACT.md); every account, the primary included, has a ContactAccount row."""

    Role = Role

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    accounts: "models.ManyToManyField[Account, ContactAccount]" = models.ManyToManyField(
        "accounts.Account", through="ContactAccount", related_name="people", verbose_name=_("accounts"), blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contacts"
    )
    # Duplicate-detection keys (crm/accounts/matching.py), kept by the services.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    phone_key = models.CharField(max_length=20, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Only on the possible duplicates the selectors return: which keys matched.
    matched_on: list[str]
    # Only on the contacts of an account (contacts_of_account): their role there.
    link_role: str
    is_primary_here: bool

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # List pages: a user's contacts (or everyone's) in name order, and their
            # COUNT(*) answered from the index alone (the scope also reads `id`).
            models.Index(fields=["owner", "last_name", "first_name", "id"], name="contact_owner_sort"),
            models.Index(fields=["last_name", "first_name", "id"], name="contact_sort"),
            models.Index(fields=["name_key"], name="contact_name_key"),
            models.Index(fields=["phone_key"], name="contact_phone_key", condition=~Q(phone_key="")),
            models.Index(fields=["email_key"], name="contact_email_key", condition=~Q(email_key="")),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return names.full_name(self.first_name, self.last_name)


class ContactAccount(models.Model):
    """A person's relation to one account: their role there, and whether it is their primary account."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="contact_links")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "account"], name="unique_contact_account"),
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="one_primary_account"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} at {self.account_id}"
