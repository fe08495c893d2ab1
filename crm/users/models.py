from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    DIRECTOR = "director", _("Director")
    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        """In a tenant schema: the company's owner. In public: our vendor staff."""
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to one tenant's CRM. Lives in that tenant's schema,
    so one e-mail can belong to people in several companies."""

    # Stored lower-case (UserManager), so unique means unique ignoring case.
    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.SALES)
    is_active = models.BooleanField(default=True)
    # Only meaningful in the public schema: may use the vendor admin.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Their own IANA zone (tenants/time_zones.py); empty: the company's.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    # A code of settings.LANGUAGES, activated on each of their requests
    # (crm.users.middleware); empty: the browser's or the language switcher's.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """How the CRM names this person everywhere: their name, else their e-mail's local part."""
        return self.name or self.email.split("@")[0]


class UserPhoto(models.Model):
    """A user's picture (crm.users.services.set_photo checks it): in the tenant's
    schema so that backups carry it, and in its own table so that loading a user
    (every request does) never loads the picture."""

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="photo")
    content = models.BinaryField()
    content_type = models.CharField(max_length=20)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"photo of {self.user_id}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is kept; the secret
    is shown once. It lives in the tenant's schema, so it means nothing on another host."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
