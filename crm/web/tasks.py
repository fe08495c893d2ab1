"""My tasks: open ones grouped by when they are due, the recently done, and
create, edit and mark done through crm.activities.services."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from crm.activities import services
from crm.activities.selectors import task_get_for_user, tasks_visible_to
from crm.web.decorators import module_page
from crm.web.forms import TaskForm, add_service_errors
from crm.web.masking import mask_choice_labels, masks_for

FIELDS = ("title", "notes", "due_date", "remind_at", "assignee", "account", "contact", "deal")
DONE_ROWS = 20


def _my_tasks(user):
    """The groups of the tasks assigned to `user` (not those they see as a manager
    or gave others): overdue, due today, upcoming (later or undated), recently done."""
    today = timezone.localdate()
    mine = tasks_visible_to(user).filter(assignee=user).select_related("created_by")
    open_tasks = mine.filter(done=False)
    return [
        ("overdue", _("Overdue"), open_tasks.filter(due_date__lt=today).order_by("due_date", "id")),
        ("today", _("Today"), open_tasks.filter(due_date=today).order_by("remind_at", "id")),
        (
            "upcoming",
            _("Upcoming"),
            open_tasks.exclude(due_date__lte=today).order_by(F("due_date").asc(nulls_last=True), "id"),
        ),
        ("done", _("Done"), mine.filter(done=True).order_by("-done_at", "-id")[:DONE_ROWS]),
    ]


def _lists_context(user):
    return {"groups": [{"name": name, "title": title, "tasks": list(tasks)} for name, title, tasks in _my_tasks(user)]}


def _task_form(request, *args, **kwargs):
    form = TaskForm(*args, user=request.user, **kwargs)
    # A contact's name is made from fields the admin may hide from the role.
    mask_choice_labels(form, "contact", masks_for(request)["contacts"])
    return form


@module_page("activities")
def task_list(request):
    context = {
        **_lists_context(request.user),
        "form": _task_form(request),
        "action": reverse("task-create"),
        "today": timezone.localdate(),
    }
    return render(request, "crm/tasks/list.html", context)


@module_page("activities")
def task_done(request, pk):
    """POST done=1 (default) or done=0: mark the task done or open again. With
    htmx the lists come back, else the page."""
    task = task_get_for_user(request.user, pk)
    if request.method == "POST":
        services.update_task(task=task, by=request.user, done=request.POST.get("done", "1") != "0")
    if request.htmx:
        return render(request, "crm/tasks/_lists.html", {**_lists_context(request.user), "today": timezone.localdate()})
    return redirect("tasks")


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
