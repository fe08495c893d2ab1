"""Writes to pipelines, stages and deals. Each function validates, writes and
appends its audit row in one transaction; errors are ValidationErrors naming
the field (ARCHITECTURE.md habits 1, 10, 11)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from crm.access import permissions, scope
from crm.access.ownership import check_may_delete, new_owner, resolve_owner
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import services as builder
from crm.deals import currencies, selectors
from crm.deals.models import Deal, Pipeline, Stage

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.contacts.models import Contact
    from crm.users.models import User

_M = TypeVar("_M", bound=models.Model)

# The stages a tenant starts with (migration 0002) and a new pipeline gets when
# none are given: (name, probability, kind). The names are the migration's, in
# English; a new pipeline's and a new tenant's read in their language (STAGE_NAMES).
DEFAULT_STAGES = (
    ("Qualification", 10, Stage.Kind.OPEN),
    ("Needs analysis", 30, Stage.Kind.OPEN),
    ("Proposal", 60, Stage.Kind.OPEN),
    ("Negotiation", 80, Stage.Kind.OPEN),
    ("Won", 100, Stage.Kind.WON),
    ("Lost", 0, Stage.Kind.LOST),
)
STAGE_NAMES = {
    "Qualification": pgettext_lazy("default pipeline stage", "Qualification"),
    "Needs analysis": pgettext_lazy("default pipeline stage", "Needs analysis"),
    "Proposal": pgettext_lazy("default pipeline stage", "Proposal"),
    "Negotiation": pgettext_lazy("default pipeline stage", "Negotiation"),
    "Won": pgettext_lazy("default pipeline stage", "Won"),
    "Lost": pgettext_lazy("default pipeline stage", "Lost"),
}
# The name of the pipeline a tenant starts with (migration 0002).
DEFAULT_PIPELINE = "Sales"
DEFAULT_PIPELINE_NAME = pgettext_lazy("default pipeline", "Sales")

_DEAL_FIELDS = ("name", "account", "amount", "currency", "expected_close_date", "owner", "competitors", "source")


# Pipelines and stages (admin only; the API checks the role) -------------------


@transaction.atomic
def create_pipeline(
    *, by: User, name: str, is_default: bool = False, stages: Sequence[Mapping[str, Any]] | None = None
) -> Pipeline:
    """A pipeline with `stages` ([{"name", "probability", "kind"}], in order), or the default set."""
    if stages is None:
        stages = [{"name": str(STAGE_NAMES[n]), "probability": p, "kind": k} for n, p, k in DEFAULT_STAGES]
    if not stages:
        raise ValidationError({"stages": [_("A pipeline needs at least one stage.")]})
    names = [stage["name"] for stage in stages]
    if len(set(names)) != len(names):
        raise ValidationError({"stages": [_("Stage names must differ within a pipeline.")]})
    _check_pipeline_name(name)
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline = _saved(Pipeline(name=name, is_default=is_default), "name")
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            position=i,
            name=s["name"],
            probability=s["probability"],
            kind=s.get("kind", Stage.Kind.OPEN),
        )
        for i, s in enumerate(stages)
    )
    audit.record(
        actor=by,
        action="pipeline.created",
        target=pipeline,
        payload={"name": name, "is_default": is_default, "stages": names},
    )
    return pipeline


@transaction.atomic
def name_seeded_pipeline(*, language: str) -> None:
    """The pipeline a new tenant starts with (migration 0002, in English) and its
    stages, renamed into `language` ("Qualification" → "初步接洽"). Only while it
    is as seeded: a pipeline or stage someone renamed keeps its name. Called at
    sign-up, in the new tenant's schema (tenants.signals.tenant_seeding); no
    audit row, as no one has acted yet."""
    with translation.override(language):
        pipeline = Pipeline.objects.filter(is_default=True, name=DEFAULT_PIPELINE).first()
        if pipeline is None:
            return
        pipeline.name = str(DEFAULT_PIPELINE_NAME)
        pipeline.save(update_fields=["name"])
        for stage in pipeline.stages.filter(name__in=STAGE_NAMES):
            stage.name = str(STAGE_NAMES[stage.name])
            stage.save(update_fields=["name"])


@transaction.atomic
def update_pipeline(*, pipeline: Pipeline, by: User, **values: Any) -> Pipeline:
    """Rename a pipeline or make it the default (the default cannot be un-made, only replaced)."""
    if "name" in values and values["name"] != pipeline.name:
        _check_pipeline_name(values["name"], exclude=pipeline.pk)
    if "is_default" in values:
        if pipeline.is_default and not values["is_default"]:
            raise ValidationError({"is_default": [_("Make another pipeline the default instead.")]})
        if values["is_default"] and not pipeline.is_default:
            Pipeline.objects.filter(is_default=True).update(is_default=False)
    diff = audit.changes(pipeline, ("name", "is_default"), values)
    for field, value in values.items():
        setattr(pipeline, field, value)
    _saved(pipeline, "name")
    if diff:
        audit.record(actor=by, action="pipeline.updated", target=pipeline, payload=diff)
    return pipeline


@transaction.atomic
def delete_pipeline(*, pipeline: Pipeline, by: User) -> None:
    """Delete a pipeline that is not the default and holds no deals."""
    if pipeline.is_default:
        raise ValidationError({"detail": _("The default pipeline cannot be deleted.")})
    if pipeline.deals.exists():
        raise ValidationError({"detail": _("This pipeline still has deals; move or delete them first.")})
    audit.record(actor=by, action="pipeline.deleted", target=pipeline, payload={"name": pipeline.name})
    pipeline.delete()


@transaction.atomic
def create_stage(
    *,
    by: User,
    pipeline: Pipeline,
    name: str,
    probability: int,
    kind: str = Stage.Kind.OPEN,
    position: int | None = None,
) -> Stage:
    """A new stage of `pipeline`, at `position` (default: last); later stages move down."""
    _check_stage_name(pipeline, name)
    last = pipeline.stages.aggregate(last=Max("position"))["last"]
    stage = _saved(
        Stage(
            pipeline=pipeline, name=name, probability=probability, kind=kind, position=0 if last is None else last + 1
        ),
        "name",
    )
    if position is not None:
        _place(stage, position)
    audit.record(
        actor=by,
        action="stage.created",
        target=stage,
        payload={"pipeline": pipeline.pk, "name": name, "probability": probability, "kind": kind},
    )
    return stage


@transaction.atomic
def update_stage(*, stage: Stage, by: User, **values: Any) -> Stage:
    """Rename, re-weight, re-kind (only while empty) or move a stage within its pipeline."""
    position = values.pop("position", None)
    if "name" in values and values["name"] != stage.name:
        _check_stage_name(stage.pipeline, values["name"], exclude=stage.pk)
    if "kind" in values and values["kind"] != stage.kind and stage.deals.exists():
        # Deals' status follows their stage's kind; changing it under them would
        # win or lose deals nobody touched.
        raise ValidationError({"kind": [_("This stage has deals; move them before changing its kind.")]})
    diff = audit.changes(stage, ("name", "probability", "kind"), values)
    for field, value in values.items():
        setattr(stage, field, value)
    _saved(stage, "name")
    if position is not None and position != stage.position:
        diff["position"] = [stage.position, position]
        _place(stage, position)
    if diff:
        audit.record(actor=by, action="stage.updated", target=stage, payload=diff)
    return stage


@transaction.atomic
def delete_stage(*, stage: Stage, by: User) -> None:
    """Delete a stage that holds no deals and is not its pipeline's last."""
    if stage.deals.exists():
        raise ValidationError({"detail": _("This stage still has deals; move them first.")})
    if stage.pipeline.stages.count() == 1:
        raise ValidationError({"detail": _("A pipeline needs at least one stage.")})
    audit.record(
        actor=by, action="stage.deleted", target=stage, payload={"pipeline": stage.pipeline_id, "name": stage.name}
    )
    pipeline = stage.pipeline
    stage.delete()
    _renumber(list(pipeline.stages.order_by("position", "id")))


def _place(stage: Stage, position: int) -> None:
    others = [s for s in stage.pipeline.stages.select_for_update().order_by("position", "id") if s.pk != stage.pk]
    others.insert(max(0, min(position, len(others))), stage)
    _renumber(others)


def _renumber(stages: list[Stage]) -> None:
    for index, stage in enumerate(stages):
        stage.position = index
    Stage.objects.bulk_update(stages, ["position"])


def _check_pipeline_name(name: str, exclude: int | None = None) -> None:
    # exclude(pk=None) excludes nothing (the plugin wants no None for pk).
    if Pipeline.objects.filter(name=name).exclude(pk=exclude).exists():  # type: ignore[misc]
        raise ValidationError({"name": [_("A pipeline with this name already exists.")]})


def _check_stage_name(pipeline: Pipeline, name: str, exclude: int | None = None) -> None:
    # exclude(pk=None) excludes nothing (the plugin wants no None for pk).
    if pipeline.stages.filter(name=name).exclude(pk=exclude).exists():  # type: ignore[misc]
        raise ValidationError({"name": [_("This pipeline already has a stage with this name.")]})


def _saved(instance: _M, unique_field: str) -> _M:
    # A concurrent write can win the race past the check above; it is still a 400.
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({unique_field: [_("This name is already taken.")]}) from None
    return instance


# Deals ------------------------------------------------------------------------


def _currency(code: object) -> str:
    """`code` as an ISO 4217 code in capitals ("cny" → "CNY"); "RMB" and other
    non-codes are refused with a message for the `currency` field."""
    try:
        return currencies.normalise_currency(code)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc


@transaction.atomic
def create_deal(
    *,
    by: User,
    name: str,
    account: Account | None = None,
    contacts: Iterable[Contact] = (),
    amount: Decimal | int | str | None = None,
    currency: str | None = None,
    expected_close_date: date | None = None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    owner: User | None = None,
    competitors: str = "",
    source: str = "",
    lost_reason: str = "",
    custom: Mapping[str, Any] | None = None,
) -> Deal:
    """A deal owned by `owner` (default: `by`) in `stage` (default: the first of
    `pipeline`, default: the default pipeline), with its custom field values
    (`custom`: {api_key: value} already checked by crm.builder.values) and its
    audit rows, in one transaction. Account and contacts must be visible to
    `by`; a lost stage needs a `lost_reason`; `amount` defaults to 0. A field
    masked for `by`'s role (crm.access.permissions) may not be given a value."""
    details = {
        "amount": amount,
        "currency": currency,
        "expected_close_date": expected_close_date,
        "competitors": competitors,
        "source": source,
        "lost_reason": lost_reason,
    }
    given = [name for name, value in details.items() if value not in (None, "")]
    permissions.check_writable(by, "deals", [*given, *(custom or {})])
    pipeline, stage = _pipeline_and_stage(pipeline, stage)
    _check_visible(by, "account", [account] if account is not None else [])
    _check_visible(by, "contacts", contacts)
    deal = Deal(
        name=name,
        account=account,
        expected_close_date=expected_close_date,
        pipeline=pipeline,
        stage=stage,
        owner=resolve_owner(by=by, owner=owner),
        competitors=competitors,
        source=source,
    )
    if amount is not None:
        deal.amount = amount
    if currency:
        deal.currency = _currency(currency)
    _enter_stage(deal, stage, lost_reason)
    deal.save()
    deal.contacts.set(contacts)
    audit.record(
        actor=by,
        action="deal.created",
        target=deal,
        payload={"name": name, "stage": stage.pk, "stage_name": stage.name, "amount": str(deal.amount)},
    )
    if custom:
        builder.set_custom_values(object_name="deals", record_id=deal.pk, values=custom, by=by)
    return deal


# What entering another stage changes (_enter_stage, _move).
_STAGE_FIELDS = ("pipeline", "stage", "status", "closed_at", "lost_reason", "paused_until", "pause_reason")


@transaction.atomic
def update_deal(
    *,
    deal: Deal,
    by: User,
    custom: Mapping[str, Any] | None = None,
    expected_version: str | None = None,
    **values: Any,
) -> Deal:
    """Change the given fields (and `custom` field values) of a deal `by` can
    see, in one transaction; a new stage or pipeline is a move (same rules and
    audit row as move_deal). Records old → new.

    Only what changes is written, on the row as it is now, locked; nothing
    changed, nothing written. `expected_version` (crm.audit.versions):
    StaleRecord, and nothing written, when the deal is no longer at that
    version. A field masked for `by`'s role is refused (ValidationError naming
    it); a new owner only from its owner, their managers, directors and admins
    (PermissionDenied)."""
    unknown = set(values) - {*_DEAL_FIELDS, "contacts", "pipeline", "stage", "lost_reason"}
    if unknown:
        raise TypeError(f"update_deal() got unexpected fields {sorted(unknown)}")
    versions.lock(deal)
    versions.check(deal, expected_version)
    permissions.check_writable(by, "deals", [*values, *(custom or {})])
    contacts = values.pop("contacts", None)
    pipeline, stage = values.pop("pipeline", None), values.pop("stage", None)
    lost_reason = values.pop("lost_reason", None)
    if "owner" in values:
        values["owner"] = new_owner(by=by, record=deal, owner=values["owner"])
    if values.get("account") is not None:
        _check_visible(by, "account", [values["account"]])
    if contacts is not None:
        _check_visible(by, "contacts", contacts)
    if "currency" in values:
        values["currency"] = _currency(values["currency"])
    diff = audit.changes(deal, _DEAL_FIELDS, values)
    for field in diff:
        setattr(deal, field, values[field])
    saved = set(diff)
    if contacts is not None:
        old = set(deal.contacts.values_list("pk", flat=True))
        if old != {c.pk for c in contacts}:
            diff["contacts"] = [sorted(old), sorted(c.pk for c in contacts)]
            deal.contacts.set(contacts)
    moved = False
    if pipeline is not None or stage is not None:
        # A stage alone must be of the deal's pipeline; a pipeline alone means its first stage.
        pipeline = pipeline or deal.pipeline
        if stage is None and pipeline == deal.pipeline:
            stage = deal.stage
        _, stage = _pipeline_and_stage(pipeline, stage)
        if stage != deal.stage:
            _move(deal, stage, by, lost_reason)
            saved.update(_STAGE_FIELDS)
            moved = True
    if not moved and lost_reason is not None and deal.stage.kind == Stage.Kind.LOST:
        if not lost_reason.strip():
            raise ValidationError({"lost_reason": [_("Say why the deal was lost.")]})
        diff.update(audit.changes(deal, ("lost_reason",), {"lost_reason": lost_reason}))
        deal.lost_reason = lost_reason
        saved.add("lost_reason")
    changed = dict(diff)
    if custom:
        changed.update(builder.set_custom_values(object_name="deals", record_id=deal.pk, values=custom, by=by))
    if diff:
        audit.record(actor=by, action="deal.updated", target=deal, payload=diff)
    if changed or moved:
        # Last, after the audit rows: the new version is stamped after them.
        deal.save(update_fields=sorted({*saved, "updated_at"}))
    return deal


@transaction.atomic
def move_deal(*, deal: Deal, stage: Stage, by: User, lost_reason: str | None = None) -> Deal:
    """Put a deal into `stage` of its own pipeline. Its status follows the stage's
    kind (closed_at set on won/lost, cleared on reopening); a lost stage needs a
    `lost_reason` (which a role it is hidden from may not give). Audit row with
    old → new stage. Only the stage's columns are written, on the row as it is
    now, locked."""
    if lost_reason:
        permissions.check_writable(by, "deals", ["lost_reason"])
    versions.lock(deal)
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": [_("Choose a stage of the deal's pipeline.")]})
    if stage != deal.stage:
        _move(deal, stage, by, lost_reason)
        deal.save(update_fields=[*_STAGE_FIELDS, "updated_at"])
    elif lost_reason is not None and stage.kind == Stage.Kind.LOST:
        return update_deal(deal=deal, by=by, lost_reason=lost_reason)
    return deal


@transaction.atomic
def delete_deal(*, deal: Deal, by: User, expected_version: str | None = None) -> None:
    """Delete a deal (its owner, their managers, directors and admins only:
    PermissionDenied otherwise), with its audit row; StaleRecord when it is no
    longer at `expected_version`."""
    versions.lock(deal)
    versions.check(deal, expected_version)
    check_may_delete(by=by, record=deal)
    audit.record(actor=by, action="deal.deleted", target=deal, payload={"name": deal.name})
    deal.delete()


@transaction.atomic
def pause_deal(*, deal: Deal, by: User, reason: str, until: date) -> Deal:
    """Put an open deal on hold until a future date; the daily task reactivates it then."""
    if deal.status != Deal.Status.OPEN:
        raise ValidationError({"detail": _("Only open deals can be paused.")})
    if not reason or not reason.strip():
        raise ValidationError({"reason": [_("Say why the deal is paused.")]})
    if until <= timezone.localdate():
        raise ValidationError({"until": [_("Choose a date after today.")]})
    payload = {"until": [_iso(deal.paused_until), until.isoformat()], "reason": reason}
    deal.paused_until, deal.pause_reason = until, reason
    deal.save(update_fields=["paused_until", "pause_reason", "updated_at"])
    audit.record(actor=by, action="deal.paused", target=deal, payload=payload)
    return deal


@transaction.atomic
def reactivate_deal(*, deal: Deal, by: User | None) -> Deal:
    """End a deal's pause now (`by` None: the daily task)."""
    if not deal.is_paused:
        raise ValidationError({"detail": _("This deal is not paused.")})
    payload = {"paused_until": _iso(deal.paused_until), "automatic": by is None}
    deal.paused_until, deal.pause_reason = None, ""
    deal.save(update_fields=["paused_until", "pause_reason", "updated_at"])
    audit.record(actor=by, action="deal.reactivated", target=deal, payload=payload)
    return deal


def reactivate_due_deals() -> int:
    """Reactivate every deal of the current tenant whose pause ends today or earlier,
    each in its own transaction (row-locked, so a concurrent manual reactivation
    is not done twice). Returns how many."""
    done = 0
    due = Deal.objects.filter(paused_until__lte=timezone.localdate()).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            deal = Deal.objects.select_for_update().filter(pk=pk, paused_until__isnull=False).first()
            if deal is not None:
                reactivate_deal(deal=deal, by=None)
                done += 1
    return done


def _move(deal: Deal, stage: Stage, by: User | None, lost_reason: str | None) -> None:
    old = deal.stage
    _enter_stage(deal, stage, lost_reason)
    deal.pipeline = stage.pipeline
    payload = {"stage": [old.pk, stage.pk], "stage_name": [old.name, stage.name], "status": deal.status}
    if old.pipeline_id != stage.pipeline_id:
        payload["pipeline"] = [old.pipeline_id, stage.pipeline_id]
    if stage.kind == Stage.Kind.LOST:
        payload["lost_reason"] = deal.lost_reason
    audit.record(actor=by, action="deal.moved", target=deal, payload=payload)


def _enter_stage(deal: Deal, stage: Stage, lost_reason: str | None) -> None:
    """Status, closed_at, lost_reason and pause as `stage` requires."""
    if stage.kind == Stage.Kind.LOST:
        if not lost_reason or not lost_reason.strip():
            raise ValidationError({"lost_reason": [_("Say why the deal was lost.")]})
        deal.lost_reason = lost_reason
    else:
        deal.lost_reason = ""
    was_open = deal.status == Deal.Status.OPEN or deal.pk is None
    deal.stage = stage
    deal.status = stage.kind
    if stage.kind == Stage.Kind.OPEN:
        deal.closed_at = None
    else:
        if was_open or deal.closed_at is None:
            deal.closed_at = timezone.now()
        deal.paused_until, deal.pause_reason = None, ""


def _pipeline_and_stage(pipeline: Pipeline | None, stage: Stage | None) -> tuple[Pipeline, Stage]:
    if pipeline is None:
        pipeline = stage.pipeline if stage is not None else selectors.default_pipeline()
    if stage is None:
        stage = pipeline.stages.order_by("position", "id").first()
        if stage is None:
            raise ValidationError({"stage": [_("This pipeline has no stages.")]})
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("Choose a stage of the deal's pipeline.")]})
    return pipeline, stage


def _check_visible(by: User, field: str, records: Iterable[models.Model]) -> None:
    # Linking to a record the caller cannot see would reveal that it exists.
    for record in records:
        if not scope.visible(type(record)._default_manager.filter(pk=record.pk), by).exists():
            raise ValidationError({field: [_("No such record.")]})


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
