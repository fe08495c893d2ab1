"""Reads of deals, scoped to the acting user at the source (crm/access/scope.py).
Pipelines and stages are configuration every user of the tenant may read."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from crm.access import masking, scope
from crm.activities.models import Task
from crm.deals.models import Deal, Pipeline, Source, Stage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User

# A kanban column shows this many deals (most recently changed first); its count
# and totals still cover all of them.
KANBAN_DEALS_PER_STAGE = 100
_CENTS = Decimal("0.01")


class KanbanColumn(TypedDict):
    stage: Stage
    count: int
    totals: dict[str, Decimal] | None  # by currency; None: the amount is masked for the user
    deals: list[Deal]


class StageCount(TypedDict):
    stage: Stage
    count: int
    totals: dict[str, Decimal]  # by currency; empty when not asked for


class Summary(TypedDict):
    open_count: int
    totals: dict[str, Decimal] | None  # by currency; None: the amount is masked for the user
    weighted_totals: dict[str, Decimal] | None


def _deals() -> QuerySet[Deal]:
    return Deal.objects.select_related("owner", "account", "pipeline", "stage").prefetch_related("contacts")


def deals_visible_to(user: User) -> QuerySet[Deal]:
    """Deals `user` may see, with owner, account, stage and contacts loaded."""
    return scope.visible(_deals(), user)


def deal_get_for_user(user: User, pk: int | str) -> Deal:
    """One deal `user` may see; Http404 if missing or out of scope alike."""
    return scope.get_visible(_deals(), user, pk)


def pipelines() -> QuerySet[Pipeline]:
    return Pipeline.objects.prefetch_related("stages")


def pipeline_get(pk: int | str) -> Pipeline:
    return get_object_or_404(pipelines(), pk=pk)


def stages() -> QuerySet[Stage]:
    return Stage.objects.select_related("pipeline")


def stage_get(pk: int | str) -> Stage:
    return get_object_or_404(stages(), pk=pk)


def default_pipeline() -> Pipeline:
    """The tenant's default pipeline (migration 0002 makes one; deleting it is refused)."""
    pipeline = pipelines().filter(is_default=True).first() or pipelines().order_by("id").first()
    if pipeline is None:
        raise ValidationError({"pipeline": [_("Create a pipeline first.")]})
    return pipeline


def kanban(user: User, pipeline: Pipeline) -> list[KanbanColumn]:
    """The columns of `pipeline` for `user`: each stage with its count, its totals
    per currency and its first KANBAN_DEALS_PER_STAGE deals (each with
    `next_task_due`, see next_task_due), counting only deals
    `user` may see. Totals are None when `user` sees the amount masked
    (crm.access.masking.hides): a column of one deal would tell its amount."""
    visible = deals_visible_to(user).filter(pipeline=pipeline)
    amount_hidden = masking.hides(user, "deals", "amount")
    sums: dict[int, dict[str, Any]] = {}
    rows = visible.order_by().values("stage_id", "currency").annotate(count=Count("id"))
    if not amount_hidden:
        rows = rows.annotate(total=Sum("amount"))
    for row in rows:
        column = sums.setdefault(row["stage_id"], {"count": 0, "totals": {}})
        column["count"] += row["count"]
        if not amount_hidden:
            column["totals"][row["currency"]] = row["total"]
    ranked = visible.annotate(
        rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=[F("updated_at").desc(), F("id").desc()]),
        next_task_due=next_task_due(),
    )
    deals: dict[int, list[Deal]] = {}
    for deal in ranked.filter(rank__lte=KANBAN_DEALS_PER_STAGE).order_by("stage__position", "rank"):
        deals.setdefault(deal.stage_id, []).append(deal)
    return [
        {
            "stage": stage,
            "count": sums.get(stage.pk, {}).get("count", 0),
            "totals": None if amount_hidden else sums.get(stage.pk, {}).get("totals", {}),
            "deals": deals.get(stage.pk, []),
        }
        for stage in pipeline.stages.order_by("position", "id")
    ]


def next_task_due() -> Subquery:
    """For a deal queryset's annotation: the due date of the deal's earliest open
    task with one (its next planned activity, whoever it is assigned to), or None.
    A date only, no task: the card tells "overdue", "today" or "none planned"."""
    tasks = Task.objects.filter(deal=OuterRef("pk"), done=False, due_date__isnull=False).order_by("due_date")
    return Subquery(tasks.values("due_date")[:1])


def summary(user: User, pipeline: Pipeline | None = None) -> Summary:
    """Open deals `user` may see (of one pipeline, or all): how many, their totals
    and their totals weighted by stage probability, per currency, to the cent.
    Both totals are None when `user` sees the amount masked (crm.access.masking.hides)."""
    open_deals = deals_visible_to(user).filter(status=Deal.Status.OPEN).order_by()
    if pipeline is not None:
        open_deals = open_deals.filter(pipeline=pipeline)
    if masking.hides(user, "deals", "amount"):
        return {"open_count": open_deals.count(), "totals": None, "weighted_totals": None}
    totals: dict[str, Decimal]
    weighted: dict[str, Decimal]
    totals, weighted, count = {}, {}, 0
    for row in open_deals.values("currency").annotate(
        count=Count("id"), total=Sum("amount"), weighted=Sum(F("amount") * F("stage__probability"))
    ):
        count += row["count"]
        totals[row["currency"]] = row["total"]
        weighted[row["currency"]] = (row["weighted"] / 100).quantize(_CENTS)
    return {"open_count": count, "totals": totals, "weighted_totals": weighted}


def open_deals_by_stage(user: User, *, owner: User, with_totals: bool = True) -> list[StageCount]:
    """The open deals owned by `owner` that `user` may see, per stage (in pipeline
    and position order, only the stages holding such deals): how many, and
    (`with_totals`; a role that may not read amounts asks without) their totals
    per currency. Two queries."""
    open_deals = deals_visible_to(user).filter(status=Deal.Status.OPEN, owner=owner).order_by()
    counts: dict[int, int] = {}
    totals: dict[int, dict[str, Decimal]] = {}
    if with_totals:
        for row in open_deals.values("stage_id", "currency").annotate(count=Count("id"), total=Sum("amount")):
            counts[row["stage_id"]] = counts.get(row["stage_id"], 0) + row["count"]
            totals.setdefault(row["stage_id"], {})[row["currency"]] = row["total"]
    else:
        counts = {row["stage_id"]: row["count"] for row in open_deals.values("stage_id").annotate(count=Count("id"))}
    return [
        {"stage": stage, "count": counts[stage.pk], "totals": dict(sorted(totals.get(stage.pk, {}).items()))}
        for stage in stages().filter(pk__in=counts).order_by("pipeline__name", "pipeline_id", "position", "id")
    ]


def stage_kinds() -> Sequence[tuple[str, StrOrPromise]]:
    """The kinds a stage may have, as (value, label) choices for forms."""
    return Stage.Kind.choices


def weighted_totals(deals: QuerySet[Deal], user: User) -> dict[str, Decimal] | None:
    """Per currency, the sum of amount × stage probability of `deals` (a queryset
    from deals_visible_to(user), narrowed however a list narrows it), to the
    cent. One query; None, and no query, when `user` sees the amount masked."""
    if masking.hides(user, "deals", "amount"):
        return None
    weighted: dict[str, Decimal] = {}
    for row in deals.order_by().values("currency").annotate(weighted=Sum(F("amount") * F("stage__probability"))):
        weighted[row["currency"]] = (row["weighted"] / 100).quantize(_CENTS)
    return dict(sorted(weighted.items()))


def deal_sources() -> Sequence[tuple[str, StrOrPromise]]:
    """Where a deal may come from, as (value, label) choices for forms."""
    return Source.choices
