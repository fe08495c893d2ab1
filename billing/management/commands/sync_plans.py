from django.core.management.base import BaseCommand

from billing import catalog, gateway


class Command(BaseCommand):
    help = "Write the plan catalog (BILLING_PLANS) to the database and, with a Stripe key, to Stripe. Idempotent."

    def handle(self, *args, **options):
        plans = catalog.sync_catalog()
        where = "database and Stripe" if gateway.enabled() else "database (billing offline)"
        for plan in plans:
            self.stdout.write(
                f"{plan.code}: {plan.name} {plan.month_amount}/{plan.year_amount} {plan.currency} "
                f"{plan.stripe_month_price or '-'} {plan.stripe_year_price or '-'}"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(plans)} plans in sync ({where})"))
