"""The one place that decides which records a user may see and change.

Every read path (lists, details, search, exports, counts) narrows its queryset
here. The org-chart rules grow in the CRM-core issue (teams, sharing); today:
`admin` and `director` see everything, everyone else what they own.
"""

from django.http import Http404

from crm.users.models import Role

_SEE_ALL = frozenset({Role.ADMIN, Role.DIRECTOR})


def sees_everything(user):
    return user.is_authenticated and user.is_active and user.role in _SEE_ALL


def visible(queryset, user):
    """`queryset` narrowed to the rows `user` may see (owned records carry `owner`)."""
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if sees_everything(user):
        return queryset
    return queryset.filter(owner=user)


def get_visible(queryset, user, pk):
    """One row `user` may see, or Http404 whether it is missing or out of scope."""
    try:
        return visible(queryset, user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404


def may_assign_to(user, owner):
    """Whether `user` may make `owner` the owner of a record."""
    return owner.pk == user.pk or sees_everything(user)
