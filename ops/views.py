"""The tenant admin's backups page: take a backup, follow it, restore one, and
choose how many are kept. Reads through ops/backups selectors, writes through
its services, like the API beside it."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.access.permissions import may_administer
from ops.backups import retention, selectors, services

# Backup.Status / Restore.Status values that are still moving.
RUNNING = ("pending", "running")
LISTED = 50


def _admin_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.htmx:
                # A poll after a restore that ended the session: the whole page goes to sign-in.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{reverse('login')}?next={reverse('backups')}"
                return response
            return redirect(f"{reverse('login')}?next={request.path}")
        if not may_administer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


class RetentionForm(forms.Form):
    daily = forms.IntegerField(
        label=gettext_lazy("Daily backups kept"),
        min_value=retention.LIMITS["daily"][0],
        max_value=retention.LIMITS["daily"][1],
    )
    weekly = forms.IntegerField(
        label=gettext_lazy("Weekly backups kept"),
        min_value=retention.LIMITS["weekly"][0],
        max_value=retention.LIMITS["weekly"][1],
    )
    monthly = forms.IntegerField(
        label=gettext_lazy("Monthly backups kept"),
        min_value=retention.LIMITS["monthly"][0],
        max_value=retention.LIMITS["monthly"][1],
    )


def _progress_context(tenant):
    backups = list(selectors.backups_of(tenant)[:LISTED])
    restores = list(selectors.restores_of(tenant)[:10])
    active_backups = [b for b in backups if b.status in RUNNING]
    active_restores = [r for r in restores if r.status in RUNNING]
    return {
        "backups": backups,
        "restores": restores,
        "active_backups": active_backups,
        "active_restores": active_restores,
        "moving": bool(active_backups or active_restores),
        "restoring": tenant.restoring,
    }


@_admin_only
def backup_page(request, retention_form=None, status=200):
    policy = selectors.retention_policy(request.tenant)
    context = {
        **_progress_context(request.tenant),
        "retention_form": retention_form
        or RetentionForm(initial={"daily": policy.daily, "weekly": policy.weekly, "monthly": policy.monthly}),
    }
    return render(request, "ops/backups.html", context, status=status)


@_admin_only
def backup_progress(request):
    """The status card and list alone, for htmx to poll while something runs."""
    return render(request, "ops/_backups.html", _progress_context(request.tenant))


@_admin_only
@require_POST
def backup_now(request):
    try:
        services.request_backup(tenant=request.tenant, by=request.user)
    except (services.BackupInProgress, services.BackupLimitReached) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Backup started. It runs in the background; this page follows it."))
    return redirect("backups")


@_admin_only
@require_POST
def backup_restore(request, pk):
    backup = selectors.backup_get_for_tenant(request.tenant, pk)
    try:
        services.request_restore(backup=backup, by=request.user)
    except services.RestoreRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Restore started. The CRM is read-only until it finishes; you may have to sign in again afterwards."),
        )
    return redirect("backups")


@_admin_only
@require_POST
def backup_retention(request):
    form = RetentionForm(request.POST)
    if form.is_valid():
        try:
            services.set_retention(tenant=request.tenant, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Retention saved."))
            return redirect("backups")
    return backup_page(request, retention_form=form, status=400)
