"""The user's own notifications: the unread count in the header (htmx asks for
it on page load and every 30 s), the list, opening one, marking read."""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import trigger_client_event

from crm.access.permissions import may_use_module
from crm.activities import services
from crm.activities.selectors import (
    activity_get_for_user,
    notification_get_for_user,
    notifications_of,
    task_get_for_user,
)
from crm.web.activities import activity_page

LIST_ROWS = 50
# Notifications store the API path of what they are about (the API and e-mail
# use them too); the pages show the same record in the UI instead.
_API_LINK = re.compile(r"^/api/v1/(?P<kind>activities|tasks)/(?P<pk>\d+)/$")


@login_required
def notification_count(request):
    unread = notifications_of(request.user).filter(read_at__isnull=True).count()
    return render(request, "crm/notifications/_count.html", {"unread": unread})


@login_required
def notification_list(request):
    return _list(request)


def _list(request, changed=False):
    context = {"notifications": notifications_of(request.user)[:LIST_ROWS]}
    if not request.htmx:
        return render(request, "crm/notifications/list.html", context)
    response = render(request, "crm/notifications/_list.html", context)
    if changed:
        # The header's count listens for this and asks again.
        trigger_client_event(response, "notifications-changed")
    return response


@login_required
def notification_open(request, pk):
    """POST: mark the notification read and go to what it is about."""
    notification = notification_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("notifications")
    services.mark_notification_read(notification=notification, by=request.user)
    return redirect(_page_for(request, notification.link))


@login_required
def notification_read(request, pk):
    notification = notification_get_for_user(request.user, pk)
    if request.method == "POST":
        services.mark_notification_read(notification=notification, by=request.user)
    return _list(request, changed=True) if request.htmx else redirect("notifications")


@login_required
def notification_read_all(request):
    if request.method == "POST":
        services.mark_all_notifications_read(by=request.user)
    return _list(request, changed=True) if request.htmx else redirect("notifications")


def _page_for(request, link):
    """The page in the UI for a notification's link; the list when there is none
    the user may still open."""
    user = request.user
    found = _API_LINK.match(link)
    try:
        if found and found["kind"] == "activities" and may_use_module(user, "activities"):
            return activity_page(user, activity_get_for_user(user, found["pk"]))
        if found and found["kind"] == "tasks" and may_use_module(user, "activities"):
            return reverse("task-edit", args=[task_get_for_user(user, found["pk"]).pk])
    except Http404:
        return reverse("notifications")
    if link and not link.startswith("/api/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return reverse("notifications")
