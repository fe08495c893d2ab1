"""The deals kanban: a pipeline's stages as columns; moving a card calls
crm.deals.services.move_deal."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.deals import services
from crm.deals.selectors import deal_get_for_user, default_pipeline, kanban, pipeline_get, pipelines, stage_get
from crm.web.decorators import module_page
from crm.web.forms import MoveDealForm


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
    return {"pipeline": pipeline, "pipelines": pipelines().order_by("name", "id"),
            "columns": kanban(request.user, pipeline) if pipeline else [], "errors": list(errors)}


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
            services.move_deal(deal=deal, stage=stage, by=request.user,
                               lost_reason=form.cleaned_data["lost_reason"] or None)
        except Http404:
            errors.append(_("No such stage."))
        except ValidationError as error:
            errors.extend(error.messages)
    if request.htmx:
        deal_pipeline = pipeline_get(deal.pipeline_id)
        return render(request, "crm/deals/_board.html", _board_context(request, deal_pipeline, errors))
    for error in errors:
        messages.error(request, error)
    return redirect(reverse("deals") + f"?pipeline={deal.pipeline_id}")
