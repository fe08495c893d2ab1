"""Module permissions (a grid of role × module; a checked box hides the module
from the role: its sidebar entry, pages and API answer as if it did not exist)
and masked fields (crm.access.permissions.masked_fields: the API and exports show
them as •••••• to the chosen roles and refuse their writes)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.access import services
from crm.access.selectors import hidden_modules, maskable_fields, sensitive_fields
from crm.users.selectors import roles
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.forms import ROLES_BELOW_ADMIN, ModuleGridForm, SensitiveFieldForm, grid_modules, module_label


@admin_page
def access_page(request):
    return render(
        request,
        "crm/settings/access/page.html",
        {
            **_grid_context(*_grid_form()),
            **_fields_context(SensitiveFieldForm()),
        },
    )


def _grid_form(data=None):
    """The module grid's form (bound to `data`, or showing the hidden modules) and its columns."""
    modules = grid_modules()
    if data is not None:
        return ModuleGridForm(data, modules=modules), modules
    hidden = [f"{role}:{module}" for role, module in hidden_modules()]
    return ModuleGridForm(initial={"hidden": hidden}, modules=modules), modules


def _grid_context(form, modules, saved=False):
    checked = set(form.data.getlist("hidden")) if form.is_bound else set(form.initial["hidden"])
    role_labels = dict(roles())
    rows = [
        (role_labels[role], [(label, f"{role}:{module}", f"{role}:{module}" in checked) for module, label in modules])
        for role in ROLES_BELOW_ADMIN
    ]
    return {"grid_form": form, "modules": modules, "rows": rows, "grid_saved": saved}


def _fields_context(form, saved=False):
    role_labels = dict(roles())
    labels = {module: dict(fields) for module, fields in maskable_fields().items()}
    module_labels = dict(grid_modules())
    masked = [
        {
            "value": f"{row['module']}.{row['field']}",
            "module": module_labels.get(row["module"], module_label(row["module"])),
            "field": labels.get(row["module"], {}).get(row["field"], row["field"]),
            "roles": [role_labels.get(role, role) for role in row["hidden_from"]],
        }
        for row in sensitive_fields()
    ]
    return {"fields_form": form, "masked": masked, "fields_saved": saved}


@admin_page
def access_modules(request):
    """POST the checked role:module pairs; they become exactly the hidden ones."""
    if request.method != "POST":
        return redirect("settings-access")
    form, modules = _grid_form(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.set_hidden_modules(by=request.user, hidden=form.hidden_pairs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            status = 200
    if request.htmx:
        return render(
            request,
            "crm/settings/access/_modules.html",
            _grid_context(form, modules, saved=status == 200),
            status=status,
        )
    if status == 200:
        messages.success(request, _("Module permissions saved."))
        return redirect("settings-access")
    return render(
        request,
        "crm/settings/access/page.html",
        {**_grid_context(form, modules), **_fields_context(SensitiveFieldForm())},
        status=status,
    )


@admin_page
def access_fields(request):
    """POST field (module.field) and the roles it is masked for; no role unmasks it."""
    if request.method != "POST":
        return redirect("settings-access")
    form = SensitiveFieldForm(request.POST)
    status = 400
    if form.is_valid():
        module, field = form.module_and_field()
        try:
            services.set_sensitive_field(
                by=request.user, module=module, field=field, hidden_from=form.cleaned_data["hidden_from"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            status, form = 200, SensitiveFieldForm()
    if request.htmx:
        return render(
            request, "crm/settings/access/_fields.html", _fields_context(form, saved=status == 200), status=status
        )
    if status == 200:
        messages.success(request, _("Masked fields saved."))
        return redirect("settings-access")
    return render(
        request,
        "crm/settings/access/page.html",
        {**_grid_context(*_grid_form()), **_fields_context(form)},
        status=status,
    )
