from decimal import Decimal

from crm.accounts.services import create_account
from crm.deals import services
from crm.deals.models import Pipeline
from tests.tenancy import in_tenant, user_of


def default_pipeline(tenant):
    with in_tenant(tenant):
        return Pipeline.objects.get(is_default=True)


def stage_named(tenant, name, pipeline=None):
    with in_tenant(tenant):
        pipeline = pipeline or Pipeline.objects.get(is_default=True)
        return pipeline.stages.get(name=name)


def make_deal(tenant, owner_local="sales", name="Deal", amount="1000.00", stage="Qualification", **fields):
    """A deal owned by `owner_local`, on an account of theirs, made by the tenant's admin."""
    with in_tenant(tenant):
        admin, owner = user_of(tenant, "admin"), user_of(tenant, owner_local)
        account = fields.pop("account", None) or create_account(by=admin, name=f"{name} Co", owner=owner)
        stage_obj = Pipeline.objects.get(is_default=True).stages.get(name=stage)
        return services.create_deal(
            by=admin, name=name, account=account, amount=Decimal(amount), stage=stage_obj, owner=owner, **fields
        )
