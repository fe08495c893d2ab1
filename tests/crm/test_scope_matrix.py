"""Who sees what, as one table: for each role and each read path, exactly the
records in the role's scope appear, and a record outside it never does (its
detail is a 404, its name is nowhere on the page).

The arrangement, in tenant_a:

    team "Matrix East", managed by `manager`: member `sales`
      └ sub-team "Matrix East North": member `sales3`
    team "Matrix West": member `sales2`

and, of each kind (account, contact, lead, deal, activity), one record per tag:

    director   owned by the director
    manager    owned by the manager
    sales      owned by sales
    subteam    owned by sales3 (the manager's sub-team)
    otherteam  owned by sales2 (another team)
    shared     owned by sales2 and shared with sales (its contact and deal are
               on the shared account; its activity is on that account, not shared itself)
    pool       accounts only: in the customer pool, no owner

Every record's label is "Mx<Kind>-<tag>", so a page can be read for which
records it shows. Each record's contact, deal and activity sit on the account of
the same tag, so whatever a page shows of a related record is in scope too.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from crm.accounts import pool, sharing
from crm.accounts.models import Account
from crm.accounts.services import create_account
from crm.activities.services import log_activity
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.deals.models import Pipeline
from crm.deals.services import create_deal
from crm.leads.services import create_lead
from crm.teams.models import Team, TeamMembership
from crm.users.models import Role, User
from tests.tenancy import PASSWORD, api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

ROLES = ("admin", "director", "manager", "sales")
EVERYONE = {"director", "manager", "sales", "subteam", "otherteam", "shared", "pool"}
# The rules of crm/access/scope.py, written out: sales see their own and what is
# shared with them; a manager their team's and its sub-teams' (not what is shared
# with a member); director and admin everything, the pool included.
SCOPE = {
    "admin": EVERYONE,
    "director": EVERYONE,
    "manager": {"manager", "sales", "subteam"},
    "sales": {"sales", "shared"},
}
OWNERS = {
    "director": "director",
    "manager": "manager",
    "sales": "sales",
    "subteam": "sales3",
    "otherteam": "sales2",
    "shared": "sales2",
}


@dataclass(frozen=True)
class Kind:
    resource: str  # /api/v1/<resource>/
    field: str  # the field holding the label
    ui_list: str | None = None
    ui_detail: str | None = None  # with {pk}
    exported: bool = False  # the API and the UI list export it


KINDS = {
    "account": Kind("accounts", "name", "/accounts/", "/accounts/{pk}/", exported=True),
    "contact": Kind("contacts", "last_name", "/contacts/", "/contacts/{pk}/", exported=True),
    "lead": Kind("leads", "last_name", "/leads/", "/leads/{pk}/", exported=True),
    "deal": Kind("deals", "name", "/deals/list/", "/deals/{pk}/"),
    "activity": Kind("activities", "subject"),
}
LABEL = re.compile(r"Mx(Account|Contact|Lead|Deal|Activity)-([a-z]+)")


def label(kind, tag):
    return f"Mx{kind.capitalize()}-{tag}"


def expected(role, kind):
    """The tags of `kind` that `role` may see (only accounts go to the pool)."""
    return SCOPE[role] - ({"pool"} if kind != "account" else set())


# Arrangement -------------------------------------------------------------------


@pytest.fixture
def matrix(tenant_a):
    """{kind: {tag: record}} in tenant_a, arranged as the module docstring says."""
    with in_tenant(tenant_a):
        admin = user_of(tenant_a, "admin")
        assert not Account.objects.exists() and not Contact.objects.exists(), (
            "the dashboard counts below assume tenant_a holds only this test's records"
        )
        users = {local: user_of(tenant_a, local) for local in ("director", "manager", "sales", "sales2")}
        users["sales3"] = User.objects.create_user(email="sales3@alpha.test", password=PASSWORD, role=Role.SALES)
        east = Team.objects.create(name="Matrix East", manager=users["manager"])
        north = Team.objects.create(name="Matrix East North", parent=east)
        west = Team.objects.create(name="Matrix West")
        for local, team in (("sales", east), ("sales3", north), ("sales2", west)):
            TeamMembership.objects.create(user=users[local], team=team)

        stage = Pipeline.objects.get(is_default=True).stages.order_by("position").first()
        records = {kind: {} for kind in KINDS}
        for tag, local in OWNERS.items():
            owner = users[local]
            account = create_account(by=admin, name=label("account", tag), owner=owner)
            records["account"][tag] = account
            records["contact"][tag] = create_contact(
                by=admin, first_name="Ann", last_name=label("contact", tag), account=account, owner=owner
            )
            records["lead"][tag] = create_lead(by=admin, first_name="Lee", last_name=label("lead", tag), owner=owner)
            records["deal"][tag] = create_deal(
                by=admin, name=label("deal", tag), account=account, amount=Decimal("1000.00"), stage=stage, owner=owner
            )
            # A note: it does not count as contact, so every account stays "never contacted".
            records["activity"][tag] = log_activity(
                by=admin, kind="note", subject=label("activity", tag), account=account, owner=owner
            )
        for kind in ("account", "contact", "lead", "deal"):
            sharing.share(record=records[kind]["shared"], by=admin, users=[users["sales"]])
        in_pool = create_account(by=admin, name=label("account", "pool"), owner=admin)
        records["account"]["pool"] = pool.release(account=in_pool, by=admin)
    return records


def browser(tenant, local):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


# Reading what a path shows -----------------------------------------------------------


def tags_in(values, kind):
    """Tags of the `kind` labels among `values` (other rows of the tenant are ignored)."""
    prefix = label(kind, "")
    return {value[len(prefix) :] for value in values if isinstance(value, str) and value.startswith(prefix)}


def html_tags(content, kind):
    return {tag for found_kind, tag in LABEL.findall(content) if found_kind.lower() == kind}


def page(client, url, role, status=200):
    """GET a UI page and check no record outside `role`'s scope is named anywhere on it."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    content = response.content.decode()
    leaked = {(kind.lower(), tag) for kind, tag in LABEL.findall(content) if tag not in expected(role, kind.lower())}
    assert not leaked, f"{url} shows records out of {role}'s scope: {sorted(leaked)}"
    return content


def results(response):
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def api_list(kind, query=""):
    resource, field = KINDS[kind].resource, KINDS[kind].field

    def read(tenant, role, records):
        rows = results(api_client(tenant, user_of(tenant, role)).get(f"/api/v1/{resource}/?page_size=200{query}"))
        return {kind: tags_in([row[field] for row in rows], kind)}

    return read


def api_detail(kind):
    resource = KINDS[kind].resource

    def read(tenant, role, records):
        client = api_client(tenant, user_of(tenant, role))
        statuses = {
            tag: client.get(f"/api/v1/{resource}/{record.pk}/").status_code for tag, record in records[kind].items()
        }
        assert set(statuses.values()) <= {200, 404}, statuses
        return {kind: {tag for tag, status in statuses.items() if status == 200}}

    return read


def exported_tags(response, kind):
    assert response.status_code == 200, response.content[:300]
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {kind: tags_in([row[KINDS[kind].field] for row in rows], kind)}


def api_export(kind):
    def read(tenant, role, records):
        client = api_client(tenant, user_of(tenant, role))
        return exported_tags(client.get(f"/api/v1/{KINDS[kind].resource}/export/?file_format=csv&values=codes"), kind)

    return read


def ui_export(kind):
    def read(tenant, role, records):
        return exported_tags(
            browser(tenant, role).get(f"{KINDS[kind].ui_list}export/?file_format=csv&values=codes"), kind
        )

    return read


def api_kanban(tenant, role, records):
    response = api_client(tenant, user_of(tenant, role)).get("/api/v1/deals/kanban/")
    assert response.status_code == 200
    stages = response.json()["stages"]
    return {
        "deal": tags_in([deal["name"] for stage in stages for deal in stage["deals"]], "deal"),
        "deal count": sum(stage["count"] for stage in stages),
    }


def api_worklist(tenant, role, records):
    rows = results(api_client(tenant, user_of(tenant, role)).get("/api/v1/worklists/never_contacted/?page_size=200"))
    return {"account": tags_in([row["name"] for row in rows], "account")}


def ui_list(kind):
    def read(tenant, role, records):
        return {kind: html_tags(page(browser(tenant, role), KINDS[kind].ui_list, role), kind)}

    return read


def ui_detail(kind):
    def read(tenant, role, records):
        client, shown = browser(tenant, role), set()
        for tag, record in records[kind].items():
            status = 200 if tag in expected(role, kind) else 404
            page(client, KINDS[kind].ui_detail.format(pk=record.pk), role, status=status)
            if status == 200:
                shown.add(tag)
        return {kind: shown}

    return read


def ui_kanban(tenant, role, records):
    return {"deal": html_tags(page(browser(tenant, role), "/deals/", role), "deal")}


def ui_worklists(tenant, role, records):
    return {"account": html_tags(page(browser(tenant, role), "/worklists/", role), "account")}


def ui_home(tenant, role, records):
    client = browser(tenant, role)
    content = page(client, "/", role)
    numbers = client.get("/").context
    return {
        "account": html_tags(content, "account"),
        "contact": html_tags(content, "contact"),
        "account count": numbers["account_count"],
        "contact count": numbers["contact_count"],
        "account mine": numbers["my_account_count"],
        "contact mine": numbers["my_contact_count"],
    }


def ui_search(tenant, role, records):
    content = page(browser(tenant, role), "/search/?q=Mx", role)
    return {"account": html_tags(content, "account"), "contact": html_tags(content, "contact")}


@dataclass
class Path:
    name: str
    read: Callable


PATHS = [
    *(Path(f"api-list-{kind}", api_list(kind)) for kind in KINDS),
    *(Path(f"api-detail-{kind}", api_detail(kind)) for kind in KINDS),
    *(Path(f"api-search-{kind}", api_list(kind, f"&search=Mx{kind.capitalize()}")) for kind in KINDS),
    *(Path(f"api-export-{kind}", api_export(kind)) for kind, spec in KINDS.items() if spec.exported),
    Path("api-kanban", api_kanban),
    Path("api-worklist", api_worklist),
    Path("ui-kanban", ui_kanban),
    Path("ui-worklists", ui_worklists),
    Path("ui-home", ui_home),
    Path("ui-search", ui_search),
    *(Path(f"ui-list-{kind}", ui_list(kind)) for kind, spec in KINDS.items() if spec.ui_list),
    *(Path(f"ui-detail-{kind}", ui_detail(kind)) for kind, spec in KINDS.items() if spec.ui_detail),
    *(Path(f"ui-export-{kind}", ui_export(kind)) for kind, spec in KINDS.items() if spec.exported),
]


def what_role_should_see(role, seen):
    """`seen`'s keys with the values `role` should have there: "<kind>" a set of
    tags, "<kind> count" how many, "<kind> mine" how many the user owns."""
    wanted = {}
    for key in seen:
        kind, _, measure = key.partition(" ")
        tags = expected(role, kind)
        wanted[key] = {"": tags, "count": len(tags), "mine": len(tags & {role})}[measure]
    return wanted


@pytest.mark.parametrize(
    ("role", "path"), [pytest.param(role, path, id=f"{role}-{path.name}") for path in PATHS for role in ROLES]
)
def test_each_role_sees_exactly_the_records_in_its_scope(tenant_a, matrix, role, path):
    seen = path.read(tenant_a, role, matrix)
    assert seen == what_role_should_see(role, seen)
