from collections.abc import Callable
from types import EllipsisType
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.teams import services as teams
from crm.teams.models import Team
from crm.users import login_throttle, selectors, tokens
from crm.users.login_throttle import LockedOut  # noqa: F401  (raised to callers)
from crm.users.models import Role, User, UserPhoto
from tenants import services as tenant_services
from tenants import time_zones
from tenants.selectors import current_tenant


class SeatLimitReached(Exception):
    def __init__(self, seats: int) -> None:
        super().__init__(seats)
        self.seats = seats

    def __str__(self) -> str:
        return _("All %(seats)d paid seats are taken: buy more seats or deactivate a user first.") % {
            "seats": self.seats
        }


def sign_in(*, email: str, password: str, request: HttpRequest) -> User | None:
    """The active user with these credentials in the current schema, or None.

    Every sign-in comes here (the login page, the API token, the vendor admin).
    Raises LockedOut after too many failures for the account the e-mail matches
    (from any address) or from this client address; a success clears the
    account's count.
    """
    email = (email or "").strip()
    matched = selectors.user_for_sign_in(email)
    account = login_throttle.account_key(user_id=matched.pk if matched else None, email=email)
    address = login_throttle.client_address(request)
    login_throttle.check(account=account, address=address)
    user = authenticate(request, username=email, password=password or "")
    if user is None:
        login_throttle.record_failure(account=account, address=address)
        return None
    login_throttle.reset(account=account, address=address)
    return user


def seats_used() -> int:
    return User.objects.filter(is_active=True).count()


def _take_seat() -> None:
    """Lock the tenant row and raise SeatLimitReached when no paid seat is free."""
    tenant = current_tenant(lock=True)
    if seats_used() >= tenant.seats:
        raise SeatLimitReached(tenant.seats)


@transaction.atomic
def create_user(
    *,
    by: User,
    email: str,
    name: str = "",
    role: str = Role.SALES,
    team: Team | None = None,
    password: str | None = None,
    invite_url: Callable[[str, str], str] | None = None,
    time_zone: str | None = None,
) -> User:
    """Add a user to this tenant, taking one paid seat (SeatLimitReached when none is free).

    Without a password the user gets an e-mail (after commit) with a link to choose
    one: `invite_url(uidb64, token)` builds it.
    """
    email = (email or "").strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": [_("A user with this e-mail already exists.")]})
    if password:
        from django.contrib.auth.password_validation import validate_password

        try:
            validate_password(password, user=User(email=email, name=name))
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    time_zone = (time_zone or "").strip()
    if time_zone:
        time_zones.validate(time_zone)
    _take_seat()
    user = User.objects.create_user(email=email, password=password or None, name=name, role=role, time_zone=time_zone)
    if team is not None:
        teams.put_user_in_team(user=user, team=team)
    audit.record(actor=by, action="user.created", target=user, payload={"email": email, "role": role})
    if not password and invite_url:
        link = invite_url(urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user))
        transaction.on_commit(
            lambda: send_mail(
                _("You are invited to the CRM"),
                _("%(inviter)s invited you. Choose your password here: %(link)s") % {"inviter": by, "link": link},
                None,
                [email],
            )
        )
    return user


@transaction.atomic
def set_password(*, user: User, password: str, by: User | None) -> User:
    """Give `user` a new password: every path that changes a password comes here (an
    admin setting it, the invitation or reset link, a user changing their own).

    The password is validated (ValidationError on `password`), and every API token
    of the user is deleted in the same transaction: a token must not outlive the
    password that earned it. Sessions end too: Django ties them to the password hash.
    """
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    revoked = tokens.revoke_all_tokens(user=user)
    audit.record(actor=by, action="user.password_changed", target=user, payload={"tokens_revoked": revoked})
    return user


_EDITABLE = ("name", "role", "is_active", "time_zone")


@transaction.atomic
def update_user(
    *, user: User, by: User, team: Team | EllipsisType | None = ..., password: str | None = None, **values: Any
) -> User:
    """Change a user; reactivating takes a seat, deactivating frees one and keeps every record.

    Deactivating deletes the user's API tokens, so that reactivating does not bring them back.
    """
    if values.get("is_active") is False and user.pk == by.pk:
        raise ValidationError({"is_active": [_("You cannot deactivate yourself.")]})
    if user.role == Role.ADMIN and (values.get("role", Role.ADMIN) != Role.ADMIN or values.get("is_active") is False):
        if not User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists():
            raise ValidationError({"role": [_("The last admin must stay an active admin.")]})
    if values.get("time_zone"):
        time_zones.validate(values["time_zone"])
    if "time_zone" in values:
        values["time_zone"] = (values["time_zone"] or "").strip()
    if values.get("is_active") is True and not user.is_active:
        _take_seat()
    diff = audit.changes(user, _EDITABLE, values)
    for field, value in values.items():
        setattr(user, field, value)
    user.save()
    if values.get("is_active") is False:
        tokens.revoke_all_tokens(user=user)
    if team is not ...:
        teams.put_user_in_team(user=user, team=team)
        diff["team"] = [None, getattr(team, "pk", None)]
    if diff:
        audit.record(actor=by, action="user.updated", target=user, payload=diff)
    if password is not None:
        set_password(user=user, password=password, by=by)
    return user


@transaction.atomic
def reassign_records(*, from_user: User, to_user: User, by: User) -> dict[str, int]:
    """Give every record `from_user` owns to `to_user`, with an audit row per record.

    Returns {model label: count}.
    """
    if from_user.pk == to_user.pk:
        raise ValidationError({"to": [_("Choose another user.")]})
    if not to_user.is_active:
        raise ValidationError({"to": [_("This user is deactivated.")]})
    moved: dict[str, int] = {}
    for model in selectors.owned_models():
        ids = list(model._default_manager.filter(owner=from_user).values_list("pk", flat=True))
        if not ids:
            continue
        model._default_manager.filter(pk__in=ids).update(owner=to_user)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=by,
                    action="owner.reassigned",
                    target_type=model._meta.label_lower,
                    target_id=pk,
                    payload={"owner": [from_user.pk, to_user.pk]},
                )
                for pk in ids
            ]
        )
        moved[model._meta.label_lower] = len(ids)
    audit.record(
        actor=by, action="user.records_reassigned", target=from_user, payload={"to": to_user.pk, "moved": moved}
    )
    return moved


@transaction.atomic
def set_own_time_zone(*, user: User, time_zone: str | None) -> User:
    """`user`'s own time zone (an IANA name), or None/"" for the company's. Every date
    and time they see, type and call "today" follows it from their next request.
    Raises ValidationError on `time_zone` for an unknown name; writes an audit row."""
    time_zone = (time_zone or "").strip()
    if time_zone:
        time_zones.validate(time_zone)
    if time_zone != user.time_zone:
        audit.record(
            actor=user,
            action="user.time_zone_changed",
            target=user,
            payload={"time_zone": [user.time_zone or None, time_zone or None]},
        )
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
    return user


# Reset e-mails one address (or one typed e-mail) may ask for per hour.
RESET_REQUEST_LIMIT = 5
_RESET_WINDOW = 3600


def _reset_allowed(key: str) -> bool:
    from django.core.cache import cache

    cache.add(key, 0, _RESET_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _RESET_WINDOW)
        count = 1
    return count <= RESET_REQUEST_LIMIT


def request_password_reset(*, email: str, reset_url: Callable[[str, str], str], address: str) -> None:
    """ "Forgot password?": e-mail the active user with this e-mail (in this tenant) a
    link to choose a new password, `reset_url(uidb64, token)` (the tenant's host).

    Says nothing back, so a caller answers the same whether or not the e-mail is
    known. At most RESET_REQUEST_LIMIT requests per hour per typed e-mail and per
    client address (cache counters; the keys carry the tenant's schema): beyond
    that, silently nothing is sent. Choosing the password goes through set_password.
    """
    folded = login_throttle.account_key(user_id=None, email=email)
    if not (_reset_allowed(f"reset-requests:{folded}") and _reset_allowed(f"reset-requests-address:{address}")):
        return
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        return
    link = reset_url(urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user))
    audit.record(actor=None, action="user.password_reset_requested", target=user, payload={})
    transaction.on_commit(
        lambda: send_mail(
            _("Choose a new CRM password"),
            _(
                "Someone (hopefully you) asked to choose a new password. Choose it here: %(link)s\n"
                "If it was not you, ignore this e-mail: your password stays as it is."
            )
            % {"link": link},
            None,
            [user.email],
        )
    )


@transaction.atomic
def update_profile(*, user: User, name: str, language: str) -> User:
    """The signed-in `user` changes their own name and language ("" for the
    browser's). ValidationError on `name` (blank or too long) or `language` (not one
    of settings.LANGUAGES); an audit row with what changed."""
    from django.conf import settings

    name = (name or "").strip()
    language = (language or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter your name.")]})
    if len(name) > 150:
        raise ValidationError({"name": [_("At most 150 characters.")]})
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose a language from the list.")]})
    diff = audit.changes(user, ("name", "language"), {"name": name, "language": language})
    if diff:
        user.name, user.language = name, language
        user.save(update_fields=["name", "language"])
        audit.record(actor=user, action="user.profile_changed", target=user, payload=diff)
    return user


# What a profile photo may be: its first bytes, its type; and how big.
PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}
PHOTO_MAX_BYTES = 512 * 1024


def set_photo(*, user: User, content: bytes | None) -> User:
    """The signed-in `user` sets (or, with None, removes) their photo: a PNG, JPEG
    or WebP of at most 512 KB, told by its content, not its name (ValidationError
    on `photo` otherwise, nothing changed); an audit row."""
    kind = ""
    if content is not None:
        if len(content) > PHOTO_MAX_BYTES:
            raise ValidationError({"photo": [_("A photo may be at most 512 KB.")]})
        kind = next((k for magic, k in PHOTO_TYPES.items() if content.startswith(magic)), "")
        if not kind or (kind == "image/webp" and content[8:12] != b"WEBP"):
            raise ValidationError({"photo": [_("Upload a PNG, JPEG or WebP picture.")]})
    if content is None:
        UserPhoto.objects.filter(user=user).delete()
    else:
        UserPhoto.objects.update_or_create(user=user, defaults={"content": content, "content_type": kind})
    audit.record(actor=user, action="user.photo_changed", target=user, payload={"photo": bool(content)})
    return user


def switch_language(*, user: User, language: str) -> None:
    """The sidebar's language switcher for a signed-in `user` who chose a language on
    their profile: the switch becomes their choice (else their stored language would
    win over it on the next page). Users who never chose keep the browser's cookie."""
    from django.conf import settings

    if user.language and language in dict(settings.LANGUAGES) and language != user.language:
        update_profile(user=user, name=user.name or user.display_name, language=language)


@transaction.atomic
def set_company_time_zone(*, by: User, time_zone: str) -> str:
    """The current tenant's time zone, for every user who has not chosen their own.
    Admins only (PermissionDenied otherwise); ValidationError on `time_zone` for an
    unknown name; an audit row in this tenant. Returns the zone now in force."""
    if not (by.is_active and by.role == Role.ADMIN):
        raise PermissionDenied
    tenant = current_tenant()
    previous = tenant_services.set_time_zone(tenant=tenant, time_zone=(time_zone or "").strip())
    if previous != tenant.time_zone:
        audit.record(
            actor=by,
            action="tenant.time_zone_changed",
            target=tenant,
            payload={"time_zone": [previous, tenant.time_zone]},
        )
    return tenant.time_zone
