"""Pipelines and their stages: create, rename, make default, delete; stages with
name, probability and kind, added, edited, deleted and moved up or down (the
services renumber positions)."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.deals import services
from crm.deals.selectors import pipeline_get, pipelines, stage_get
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.forms import NewPipelineForm, PipelineForm, StageForm
from crm.web.settings.pages import form_response, saved


def _list_page(request, errors=(), status=200):
    return render(
        request, "crm/settings/pipelines/list.html", {"pipelines": pipelines(), "errors": list(errors)}, status=status
    )


@admin_page
def pipeline_list(request):
    return _list_page(request)


@admin_page
def pipeline_create(request):
    """A new pipeline starts with the standard stages, to be edited on its page."""
    form = NewPipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.create_pipeline(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(
                request,
                _("Pipeline %(name)s created.") % {"name": pipeline.name},
                reverse("settings-pipeline", args=[pipeline.pk]),
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-pipeline-create"),
            "cancel": reverse("settings-pipelines"),
            "title": _("New pipeline"),
            "testid": "pipeline-form",
        },
    )


@admin_page
def pipeline_edit(request, pk):
    pipeline = pipeline_get(pk)
    form = PipelineForm(request.POST or None, initial={"name": pipeline.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pipeline(pipeline=pipeline, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Saved."), reverse("settings-pipelines"))
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-pipeline-edit", args=[pipeline.pk]),
            "cancel": reverse("settings-pipelines"),
            "title": _("Rename pipeline"),
            "testid": "pipeline-form",
        },
    )


@admin_page
def pipeline_make_default(request, pk):
    """POST: new deals go into this pipeline unless another is chosen."""
    pipeline = pipeline_get(pk)
    if request.method != "POST":
        return redirect("settings-pipelines")
    services.update_pipeline(pipeline=pipeline, by=request.user, is_default=True)
    return saved(
        request, _("%(name)s is the default pipeline now.") % {"name": pipeline.name}, reverse("settings-pipelines")
    )


@admin_page
def pipeline_delete(request, pk):
    """POST: delete a pipeline that is not the default and holds no deals."""
    pipeline = pipeline_get(pk)
    if request.method != "POST":
        return redirect("settings-pipelines")
    try:
        services.delete_pipeline(pipeline=pipeline, by=request.user)
    except ValidationError as error:
        return _list_page(request, errors=error.messages, status=400)
    return saved(request, _("Pipeline %(name)s deleted.") % {"name": pipeline.name}, reverse("settings-pipelines"))


def _stages_context(pipeline, errors=()):
    return {"pipeline": pipeline, "stages": list(pipeline.stages.order_by("position", "id")), "errors": list(errors)}


@admin_page
def pipeline_detail(request, pk):
    """The pipeline's stages in order, and a form to add one."""
    pipeline = pipeline_get(pk)
    return render(
        request,
        "crm/settings/pipelines/detail.html",
        {**_stages_context(pipeline), **_stage_form_context(pipeline, StageForm())},
    )


def _stage_form_context(pipeline, form):
    return {
        "form": form,
        "action": reverse("settings-stage-create", args=[pipeline.pk]),
        "cancel": reverse("settings-pipeline", args=[pipeline.pk]),
        "submit": _("Add stage"),
        "testid": "stage-form",
    }


@admin_page
def stage_create(request, pk):
    pipeline = pipeline_get(pk)
    form = StageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.create_stage(by=request.user, pipeline=pipeline, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(
                request,
                _("Stage %(name)s added.") % {"name": stage.name},
                reverse("settings-pipeline", args=[pipeline.pk]),
            )
    return form_response(request, {**_stage_form_context(pipeline, form), "title": _("New stage")})


@admin_page
def stage_edit(request, pk):
    stage = stage_get(pk)
    form = StageForm(
        request.POST or None, initial={"name": stage.name, "probability": stage.probability, "kind": stage.kind}
    )
    back = reverse("settings-pipeline", args=[stage.pipeline_id])
    if request.method == "POST" and form.is_valid():
        try:
            services.update_stage(stage=stage, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Stage %(name)s saved.") % {"name": stage.name}, back)
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-stage-edit", args=[stage.pk]),
            "cancel": back,
            "title": _("Edit stage %(name)s") % {"name": stage.name},
            "testid": "stage-form",
        },
    )


def _stages_response(request, pipeline, errors=()):
    """The stage table again (htmx), or the pipeline's page."""
    status = 400 if errors else 200
    if request.htmx:
        return render(request, "crm/settings/pipelines/_stages.html", _stages_context(pipeline, errors), status=status)
    if errors:
        return render(
            request,
            "crm/settings/pipelines/detail.html",
            {**_stages_context(pipeline, errors), **_stage_form_context(pipeline, StageForm())},
            status=status,
        )
    return redirect("settings-pipeline", pk=pipeline.pk)


@admin_page
def stage_move(request, pk):
    """POST direction=up|down: swap the stage with its neighbour."""
    stage = stage_get(pk)
    if request.method != "POST":
        return redirect("settings-pipeline", pk=stage.pipeline_id)
    ordered = [s.pk for s in stage.pipeline.stages.order_by("position", "id")]
    step = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if step is None:
        return _stages_response(request, stage.pipeline, [_("Choose up or down.")])
    position = ordered.index(stage.pk) + step
    if 0 <= position < len(ordered):
        services.update_stage(stage=stage, by=request.user, position=position)
    return _stages_response(request, pipeline_get(stage.pipeline_id))


@admin_page
def stage_delete(request, pk):
    """POST: delete a stage without deals (not the pipeline's last one)."""
    stage = stage_get(pk)
    pipeline = stage.pipeline
    if request.method != "POST":
        return redirect("settings-pipeline", pk=pipeline.pk)
    try:
        services.delete_stage(stage=stage, by=request.user)
    except ValidationError as error:
        return _stages_response(request, pipeline, error.messages)
    return _stages_response(request, pipeline_get(pipeline.pk))
