import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from crm.accounts.services import create_account
from crm.contacts.services import create_contact
from crm.users.models import Role, User
from tenants import services
from tenants.models import Tenant

SUBDOMAIN = "demo"
EMAIL = "admin@demo.test"


class Command(BaseCommand):
    help = "Create the demo tenant with sample data, or reuse it; print how to sign in."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "demo-crm-2026!")
        tenant = Tenant.objects.filter(subdomain=SUBDOMAIN).first()
        if tenant is None:
            tenant = services.sign_up(
                company="Demo Trading Co.",
                subdomain=SUBDOMAIN,
                email=EMAIL,
                password=password,
                seats=10,
                interval="month",
            )
            with tenant_context(tenant):
                _sample_data(password)
            self.stdout.write("demo tenant created")
        host = f"{SUBDOMAIN}.{settings.BASE_DOMAIN}:{settings.PORT}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  CRM:      http://{host}/\n  sign in:  {EMAIL} / {password}\n"
                f"  API docs: http://{host}/api/docs/\n  sign up:  http://{settings.BASE_DOMAIN}:{settings.PORT}/signup/\n"
            )
        )


def _sample_data(password):
    admin = User.objects.get(email=EMAIL)
    sales = [
        User.objects.create_user(email=f"{name.lower()}@demo.test", password=password, name=name, role=Role.SALES)
        for name in ("Li Wei", "Anna Schmidt")
    ]
    companies = [
        ("Shanghai Precision Tools", "Zhang", "Min"),
        ("Nordic Furniture AB", "Erik", "Larsson"),
        ("Sunrise Foods Ltd", "Priya", "Shah"),
        ("Atlas Logistics", "Tom", "Becker"),
        ("Green Leaf Tea House", "Chen", "Jing"),
        ("Bright Dental Clinic", "Maria", "Rossi"),
    ]
    for index, (company, first, last) in enumerate(companies):
        owner = sales[index % len(sales)] if index % 3 else admin
        account = create_account(by=admin, name=company, owner=owner)
        create_contact(
            by=admin,
            first_name=first,
            last_name=last,
            account=account,
            owner=owner,
            email=f"{first.lower()}.{last.lower()}@example.com",
            phone=f"+86 21 5555 01{index:02d}",
        )
