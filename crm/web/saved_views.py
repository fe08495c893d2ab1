"""Saving, renaming, sharing and deleting the saved views shown above each list
(crm/_list_tools.html). Each answers with a redirect back to the list."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.savedviews import services
from crm.savedviews.selectors import custom_list_object, saved_view_get_for_user


def _list_path(request, list_name):
    """The list page the form was on (its `next`, if that is a page of this site),
    else the list's own page, else home."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return urlsplit(target).path, target
    object_name = custom_list_object(list_name)
    try:
        path = reverse("custom-records", args=[object_name]) if object_name else reverse(list_name)
    except NoReverseMatch:
        path = reverse("home")
    return path, path


def _back(request, list_name):
    return redirect(_list_path(request, list_name)[1])


def _report(request, error):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for messages_of_field in error.message_dict.values():
            for message in messages_of_field:
                messages.error(request, message)
    else:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))


@login_required
@require_POST
def saved_view_create(request):
    """Save the list's current filters and sort; then show the list through the new view."""
    list_name = request.POST.get("list", "")
    try:
        view = services.create_saved_view(
            by=request.user,
            list_name=list_name,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=bool(request.POST.get("shared")),
        )
    except ValidationError as error:
        _report(request, error)
        return _back(request, list_name)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    path = _list_path(request, view.list_name)[0]
    return redirect(f"{path}?{view.query}" if view.query else path)


@login_required
@require_POST
def saved_view_edit(request, pk):
    view = saved_view_get_for_user(request.user, pk)
    try:
        services.update_saved_view(
            view=view, by=request.user, name=request.POST.get("name", ""), shared=bool(request.POST.get("shared"))
        )
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    return _back(request, view.list_name)


@login_required
@require_POST
def saved_view_delete(request, pk):
    view = saved_view_get_for_user(request.user, pk)
    try:
        services.delete_saved_view(view=view, by=request.user)
    except PermissionDenied as error:
        _report(request, error)
    else:
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return _back(request, view.list_name)
