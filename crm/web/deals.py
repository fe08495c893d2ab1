"""Deals: the kanban (a pipeline's stages as columns) and a list (search, filter,
sort, pages; htmx refreshes only the table), each with the weighted pipeline
total; the detail page with its actions (move, pause, reactivate, log an
activity) and files; create and edit. Every write is a crm.deals.services call."""

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.accounts.selectors import accounts_visible_to
from crm.attachments.selectors import attachments_of
from crm.audit.selectors import history_for
from crm.contacts.selectors import contacts_visible_to
from crm.deals import registration, services
from crm.deals.selectors import (
    deal_get_for_user,
    deal_sources,
    deals_visible_to,
    default_pipeline,
    kanban,
    pipeline_get,
    pipelines,
    stage_get,
    stages,
    summary,
    weighted_totals,
)
from crm.web import columns, conflicts, deletion, record_actions, related
from crm.web.activities import deal_timeline
from crm.web.columns import list_table
from crm.web.custom_fields import CustomFields, detail_context
from crm.web.decorators import module_page
from crm.web.forms import (
    DealForm,
    DealStageForm,
    MoveDealForm,
    PauseDealForm,
    add_service_errors,
    assignable_owners,
)
from crm.web.listing import export_response, list_page
from crm.web.masking import mask_choice_labels, mask_form, masks_for, writable
from tenants.access import exports_data

_CENTS = Decimal("0.01")
SORTS = {
    "name": ["name", "id"],
    "account": ["account__name", "name", "id"],
    "amount": ["amount", "id"],
    "stage": ["pipeline__name", "stage__position", "id"],
    "owner": ["owner__email", "name", "id"],
    "close": ["expected_close_date", "id"],
    "updated": ["updated_at", "id"],
}
# The deal field each sort orders by, where its name differs.
SORT_FIELDS = {"close": "expected_close_date"}
# "Open" leaves out paused deals, so that the four choices do not overlap.
STATUSES = (
    ("open", gettext_lazy("Open")),
    ("paused", gettext_lazy("Paused")),
    ("won", gettext_lazy("Won")),
    ("lost", gettext_lazy("Lost")),
)
_STATUS_FILTERS = {
    "open": Q(status="open", paused_until__isnull=True),
    "paused": Q(paused_until__isnull=False),
    "won": Q(status="won"),
    "lost": Q(status="lost"),
}
FIELDS = ("name", "account", "contacts", "amount", "currency", "expected_close_date", "owner", "source", "competitors")


# Kanban -------------------------------------------------------------------------


def _pipeline(request):
    pk = request.GET.get("pipeline") or request.POST.get("pipeline")
    if pk:
        if not str(pk).isdigit():
            raise Http404
        return pipeline_get(pk)
    try:
        return default_pipeline()
    except ValidationError:
        return None


def _board_context(request, pipeline, errors=()):
    columns = kanban(request.user, pipeline) if pipeline else []
    masks = masks_for(request)
    for column in columns:
        column["deals"] = masks.rows("deals", column["deals"])
        # A column holds one stage, so its weighted total is its total at that
        # stage's probability. Won and lost deals are no longer pipeline.
        stage = column["stage"]
        totals = column["totals"]  # None: the amount is masked for the user, so is what it weighs
        if totals is None or stage.kind != "open":
            column["weighted"] = None if totals is None else {}
        else:
            column["weighted"] = {
                currency: (Decimal(total) * stage.probability / 100).quantize(_CENTS)
                for currency, total in totals.items()
            }
    return {
        "pipeline": pipeline,
        "pipelines": pipelines().order_by("name", "id"),
        "columns": columns,
        "summary": summary(request.user, pipeline) if pipeline else None,
        "errors": list(errors),
        "masks": masks,
        # The won and lost stages, as drop zones always in reach (the board scrolls sideways).
        "closed_stages": [column for column in columns if column["stage"].kind != "open"],
        # The user's "today" (their time zone is active), for the cards' next-activity status.
        "today": timezone.localdate(),
    }


@module_page("deals")
def deal_kanban(request):
    pipeline = _pipeline(request)
    context = _board_context(request, pipeline)
    if request.htmx and request.htmx.target == "kanban":
        return render(request, "crm/deals/_board.html", context)
    return render(request, "crm/deals/kanban.html", context)


@module_page("deals")
def deal_move(request, pk):
    """POST stage (and lost_reason for a lost stage): move the deal. Refusals come
    back as messages on the board, never as a server error."""
    deal = deal_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect(reverse("deals") + f"?pipeline={deal.pipeline_id}")
    form = MoveDealForm(request.POST)
    errors = []
    if not form.is_valid():
        errors.append(_("Choose a stage."))
    else:
        try:
            stage = stage_get(form.cleaned_data["stage"])
            services.move_deal(
                deal=deal, stage=stage, by=request.user, lost_reason=form.cleaned_data["lost_reason"] or None
            )
        except Http404:
            errors.append(_("No such stage."))
        except ValidationError as error:
            errors.extend(error.messages)
    if request.htmx:
        deal_pipeline = pipeline_get(deal.pipeline_id)
        return render(request, "crm/deals/_board.html", _board_context(request, deal_pipeline, errors))
    for message in errors:
        messages.error(request, message)
    return redirect(reverse("deals") + f"?pipeline={deal.pipeline_id}")


# List ---------------------------------------------------------------------------


def search(queryset, text):
    """Deals whose name or account name contains every word of `text`."""
    query = Q()
    for word in text.split():
        query &= Q(name__icontains=word) | Q(account__name__icontains=word)
    return queryset.filter(query)


def _by_id(field):
    return lambda qs, value: qs.filter(**{f"{field}_id": value}) if value.isdigit() else qs.none()


def _closing(lookup):
    def apply(queryset, value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(**{f"expected_close_date__{lookup}": day})

    return apply


def _listing(request):
    user = request.user
    masked = masks_for(request)["deals"]
    sources = {value for value, _label in deal_sources()}
    filters = [
        ("q", search),
        ("pipeline", _by_id("pipeline")),
        ("stage", _by_id("stage")),
        ("account", _by_id("account")),
        ("contact", lambda qs, v: qs.filter(contacts__id=v) if v.isdigit() else qs.none()),
        ("owner", lambda qs, v: qs.filter(owner=user) if v == "me" else _by_id("owner")(qs, v)),
    ]
    # No filtering by a field the user sees masked: what it leaves would tell its values.
    if not {"status", "paused_until"} & masked:
        filters.append(("status", lambda qs, v: qs.filter(_STATUS_FILTERS[v]) if v in _STATUS_FILTERS else qs.none()))
    if "source" not in masked:
        filters.append(("source", lambda qs, v: qs.filter(source=v) if v in sources else qs.none()))
    if "expected_close_date" not in masked:
        filters += [("closes_from", _closing("gte")), ("closes_to", _closing("lte"))]
    return list_page(
        request,
        deals_visible_to(user),
        sorts=masks_for(request).sortable("deals", SORTS, SORT_FIELDS),
        default_sort="-updated",
        filters=filters,
        custom="deals",
    )


@module_page("deals")
def deal_list(request):
    user = request.user
    listing = _listing(request)
    masks = masks_for(request)
    # The weighted total covers every row the filters leave, not just this page (taken before the page is masked).
    weighted = weighted_totals(listing.page.paginator.object_list, user)
    masks.page("deals", listing.page)
    context = {
        "listing": listing,
        "owners": assignable_owners(user),
        "statuses": STATUSES,
        "masks": masks,
        "sources": deal_sources(),
        "stages": stages().order_by("-pipeline__is_default", "pipeline__name", "pipeline_id", "position"),
        "pipelines": pipelines().order_by("name", "id"),
        "weighted": weighted,
    }
    context.update(list_table(columns.DEALS, masks["deals"]))
    if listing.params.get("account"):
        # The account the list is narrowed to, named above it (if the user may see it).
        context["account"] = accounts_visible_to(user).filter(pk=listing.params["account"]).first()
    if request.htmx and request.htmx.target == "deal-table":
        return render(request, "crm/_list_table.html", context)
    return render(request, "crm/deals/list.html", context)


@exports_data
@module_page("deals")
def deal_export(request):
    """The deals the list shows with the same filters and sort, every page, as CSV or XLSX."""
    return export_response(request, _listing(request), kind="deals")


# Detail and its actions -----------------------------------------------------------


@module_page("deals")
def deal_detail(request, pk):
    return _detail(request, deal_get_for_user(request.user, pk))


def _detail(request, deal, *, status=200, **forms):
    masks = masks_for(request)
    # Only the contacts the user may open, counted too (another owner's contact would be a name they may not see).
    contacts, contacts_total = related.first_rows(
        contacts_visible_to(request.user).filter(deals=deal).order_by("last_name", "first_name", "id")
    )
    context = {
        "deal": masks.record("deals", deal),
        "deal_contacts": masks.rows("contacts", contacts),
        "contacts_total": contacts_total,
        "contacts_all_url": reverse("contacts") + f"?deal={deal.pk}",
        "history": masks.history("deals", history_for(deal)[:50]),
        "masks": masks,
        "may_delete": deletion.may_delete(request.user, deal),
        "stage_form": forms.get("stage_form") or DealStageForm(deal=deal),
        "pause_form": forms.get("pause_form") or PauseDealForm(),
        "action_errors": forms.get("action_errors", []),
        "registration": registration.status_of(deal, request.user),
        "stage_path": _stage_path(deal),
        "attachments": attachments_of(deal).select_related("uploaded_by"),
        **deal_timeline(request.user, deal, start=related.timeline_start(request)),
        **detail_context(request.user, "deals", deals_visible_to(request.user), deal.pk),
    }
    if request.htmx and request.htmx.target == "deal-actions":
        # htmx swaps only 2xx answers by default, so the actions come back with their errors as 200.
        return render(request, "crm/deals/_actions.html", context)
    return render(request, "crm/deals/detail.html", context, status=status)


def _stage_path(deal):
    """The stages of the deal's pipeline in order, each with where the deal is
    against it: "current", "past" (an open stage it went beyond: earlier, or any
    open stage once the deal is closed) or "future"."""
    current = deal.stage
    path = []
    for stage in deal.pipeline.stages.order_by("position", "id"):
        if stage.pk == current.pk:
            state = "current"
        elif stage.kind == "open" and (current.kind != "open" or stage.position < current.position):
            state = "past"
        else:
            state = "future"
        path.append({"stage": stage, "state": state})
    return path


@module_page("deals")
@require_POST
def deal_attach(request, pk):
    """POST a file (multipart `file`) onto a deal the user may see."""
    return record_actions.attach(request, deal_get_for_user(request.user, pk), back=reverse("deal", args=[pk]))


def _done(request, deal):
    if request.htmx:
        return HttpResponseClientRedirect(reverse("deal", args=[deal.pk]))
    return redirect("deal", pk=deal.pk)


def _refused(request, deal, **forms):
    # A failed service call may have changed the instance before it refused.
    return _detail(request, deal_get_for_user(request.user, deal.pk), status=400, **forms)


@module_page("deals")
def deal_stage(request, pk):
    """POST stage (and lost_reason for a lost stage) from the deal's page."""
    deal = deal_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("deal", pk=deal.pk)
    form = DealStageForm(request.POST, deal=deal)
    if form.is_valid():
        try:
            services.move_deal(
                deal=deal,
                stage=form.cleaned_data["stage"],
                by=request.user,
                lost_reason=form.cleaned_data["lost_reason"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, deal)
    return _refused(request, deal, stage_form=form)


@module_page("deals")
def deal_pause(request, pk):
    """POST reason and until: put the deal on hold until that day."""
    deal = deal_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("deal", pk=deal.pk)
    form = PauseDealForm(request.POST)
    if form.is_valid():
        try:
            services.pause_deal(
                deal=deal, by=request.user, reason=form.cleaned_data["reason"], until=form.cleaned_data["until"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, deal)
    return _refused(request, deal, pause_form=form)


@module_page("deals")
def deal_reactivate(request, pk):
    """POST: end the deal's pause now."""
    deal = deal_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("deal", pk=deal.pk)
    try:
        services.reactivate_deal(deal=deal, by=request.user)
    except ValidationError as error:
        return _refused(request, deal, action_errors=error.messages)
    return _done(request, deal)


# Create and edit ------------------------------------------------------------------


@module_page("deals")
def deal_create(request):
    return _edit(request, None)


@module_page("deals")
def deal_edit(request, pk):
    return _edit(request, deal_get_for_user(request.user, pk))


def _form(request: HttpRequest, deal: Any, data: QueryDict | None) -> tuple[DealForm, CustomFields]:
    """The deal's edit form (a new deal's: `deal` None) on `data`."""
    if deal is not None:
        initial = {name: getattr(deal, name) for name in FIELDS if name != "contacts"}
        initial.update(contacts=list(deal.contacts.all()), lost_reason=deal.lost_reason)
    else:
        # "New deal" from an account's page comes with ?account=<id>.
        initial = {"currency": settings.DEFAULT_CURRENCY}
        if request.GET.get("account", "").isdigit():
            initial["account"] = request.GET["account"]
    form = DealForm(data, initial=initial, user=request.user, deal=deal)
    masks = masks_for(request)
    # Masked fields are shown masked and disabled, and never handed to the service.
    mask_form(form, masks["deals"], deal)
    custom = CustomFields(form, "deals", request.user, record=deal)
    mask_choice_labels(form, "contacts", masks["contacts"])
    conflicts.carry_version(form, deal)
    return form, custom


def _edit(request, deal):
    form, custom = _form(request, deal, request.POST or None)
    status = 400
    if request.method == "POST" and custom.is_valid():
        values = {name: form.cleaned_data[name] for name in writable(form, (*FIELDS, "lost_reason"))}
        if values.get("owner", "") is None:
            values.pop("owner")
        try:
            if deal is None:
                deal = services.create_deal(
                    by=request.user, stage=form.cleaned_data["stage"], custom=custom.values, **values
                )
            else:
                deal = conflicts.save(
                    form,
                    deal,
                    lambda version: services.update_deal(
                        deal=deal,
                        by=request.user,
                        custom=conflicts.edited(form, custom.values),
                        expected_version=version,
                        **conflicts.edited(form, values),
                    ),
                )
        except conflicts.Conflict as conflict:
            form, custom = conflict.redisplay(partial(_form, request))
            status = 409
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            return _done(request, deal)
    context = {
        "form": form,
        "deal": deal,
        "action": request.get_full_path(),
        "cancel": reverse("deal", args=[deal.pk]) if deal else reverse("deal-page-list"),
        "title": _("Edit deal") if deal else _("New deal"),
    }
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    return render(request, "crm/form_page.html", context, status=status if request.method == "POST" else 200)
