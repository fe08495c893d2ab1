"""My tasks (and, for a team's manager, the team's): open ones grouped by when
they are due, the recently done, and create, edit and mark done through
crm.activities.services."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from crm.activities import services
from crm.activities.selectors import leads_a_team, task_get_for_user, tasks_visible_to, team_tasks_visible_to
from crm.web.decorators import module_page
from crm.web.forms import TaskForm, add_service_errors
from crm.web.masking import mask_choice_labels, masks_for

FIELDS = ("title", "notes", "due_date", "remind_at", "assignee", "account", "contact", "deal")
DONE_ROWS = 20


VIEWS = ("mine", "team")


def _task_groups(user, view):
    """The groups of the tasks of `view`: "mine", those assigned to `user` (not
    those they see as a manager or gave others), or "team", those assigned to the
    members of the teams `user` manages: overdue, due today, upcoming (later or
    undated), recently done."""
    today = timezone.localdate()
    if view == "team":
        tasks = team_tasks_visible_to(user)
    else:
        tasks = tasks_visible_to(user).filter(assignee=user)
    tasks = tasks.select_related("created_by")
    open_tasks = tasks.filter(done=False)
    return [
        ("overdue", _("Overdue"), open_tasks.filter(due_date__lt=today).order_by("due_date", "id")),
        ("today", _("Today"), open_tasks.filter(due_date=today).order_by("remind_at", "id")),
        (
            "upcoming",
            _("Upcoming"),
            open_tasks.exclude(due_date__lte=today).order_by(F("due_date").asc(nulls_last=True), "id"),
        ),
        ("done", _("Done"), tasks.filter(done=True).order_by("-done_at", "-id")[:DONE_ROWS]),
    ]


def _view(request):
    """The list asked for (?view= or the posted view): "team" only for whoever
    manages a team; for anyone else it is a 404, like any page they may not use."""
    view = request.GET.get("view") or request.POST.get("view") or "mine"
    if view not in VIEWS or (view == "team" and not leads_a_team(request.user)):
        raise Http404
    return view


def _lists_context(request):
    view = _view(request)
    groups = _task_groups(request.user, view)
    return {
        "view": view,
        "may_see_team": leads_a_team(request.user),
        "today": timezone.localdate(),
        "groups": [{"name": name, "title": title, "tasks": list(tasks)} for name, title, tasks in groups],
    }


def _task_form(request, *args, **kwargs):
    form = TaskForm(*args, user=request.user, **kwargs)
    # A contact's name is made from fields the admin may hide from the role.
    mask_choice_labels(form, "contact", masks_for(request)["contacts"])
    return form


@module_page("activities")
def task_list(request):
    context = {**_lists_context(request), "form": _task_form(request), "action": reverse("task-create")}
    return render(request, "crm/tasks/list.html", context)


@module_page("activities")
def task_done(request, pk):
    """POST done=1 (default) or done=0: mark the task done or open again. With
    htmx the lists come back, else the page."""
    task = task_get_for_user(request.user, pk)
    view = _view(request)
    if request.method == "POST":
        services.update_task(task=task, by=request.user, done=request.POST.get("done", "1") != "0")
    if request.htmx:
        return render(request, "crm/tasks/_lists.html", _lists_context(request))
    return redirect(reverse("tasks") + ("?view=team" if view == "team" else ""))


@module_page("activities")
def task_create(request):
    return _edit(request, None)


@module_page("activities")
def task_edit(request, pk):
    return _edit(request, task_get_for_user(request.user, pk))


def _edit(request, task):
    if task is not None:
        initial = {name: getattr(task, name) for name in FIELDS}
    else:
        # "New task" from a record's page comes with ?account=, ?contact= or ?deal=.
        initial = {
            name: request.GET[name] for name in ("account", "contact", "deal") if request.GET.get(name, "").isdigit()
        }
    form = _task_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in FIELDS}
        try:
            if task is None:
                task = services.create_task(by=request.user, **values)
            else:
                if values["assignee"] is None:
                    values.pop("assignee")
                task = services.update_task(task=task, by=request.user, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("tasks"))
            return redirect("tasks")
    context = {
        "form": form,
        "action": request.get_full_path() if task else reverse("task-create"),
        "cancel": reverse("tasks"),
        "title": _("Edit task") if task else _("New task"),
    }
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/form_page.html", context, status=status)
