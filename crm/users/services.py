from django.contrib.auth import authenticate

from crm.users import login_throttle
from crm.users.login_throttle import LockedOut  # noqa: F401  (raised to callers)


def sign_in(*, email, password, ip, request=None):
    """The active user with these credentials in the current tenant, or None.

    Raises LockedOut after too many failures for this e-mail and address; a
    success clears the count.
    """
    login_throttle.check(email=email, ip=ip)
    user = authenticate(request, username=(email or "").strip(), password=password or "")
    if user is None:
        login_throttle.record_failure(email=email, ip=ip)
        return None
    login_throttle.reset(email=email, ip=ip)
    return user
