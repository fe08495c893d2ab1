"""A field the admin masks for a role is masked on every way out: each GET of
the API (every path of its OpenAPI document: lists, details, extra actions
such as duplicates, kanban, summary, history, exports) and each page of the UI
(every route of the tenant's URL patterns), walked as a sales user whose role
has the contacts' e-mail, phone and a custom integer, the accounts' phone and
the deals' amount masked. None of the planted values may appear in any
response, in any form (formatted, summed into a total, weighted by a stage's
probability; exports as CSV and XLSX). A new route is walked without touching this test; a new path
parameter must be given a record here, or the walk fails."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from crm.access.services import set_sensitive_field
from crm.accounts.services import create_account, update_account
from crm.activities.services import create_task, log_activity
from crm.builder import services as builder_services
from crm.contacts.services import create_contact, update_contact
from crm.deals.models import Pipeline
from crm.deals.services import create_deal, update_deal
from crm.imports import services as import_services
from crm.leads.services import create_lead
from tests.conftest import api_client, in_tenant, user_of
from tests.crm.accounts.test_web import browser

pytestmark = pytest.mark.django_db

EMAIL = "zara.hidden.q7x@probe-mask.test"
CONTACT_PHONE = "+86 139 7531 8642"
ACCOUNT_PHONE = "+86 10 6482 9173"
SCORE = 987654321
AMOUNT = Decimal("123457.89")
MASKED = {
    "contacts": ("email", "phone", "secret_score"),
    "accounts": ("phone",),
    "deals": ("amount",),
}


def _digits(text):
    return re.sub(r"[\s,.'\u00a0\u202f+\-()]", "", text)


def _secrets(probability):
    """(what is looked for, where): the e-mail in the text as it is (lower-cased,
    and its local part, which also finds it URL-encoded); every number in the
    text with its separators taken out, so that 123,457.89, 123 457,89 and
    ¥123457.89 are all found."""
    weighted = (AMOUNT * probability / 100).quantize(Decimal("0.01"))
    return {
        "text": [EMAIL, EMAIL.split("@")[0]],
        "digits": [
            _digits(CONTACT_PHONE)[-8:],
            _digits(ACCOUNT_PHONE)[-8:],
            str(SCORE),
            _digits(str(AMOUNT)),
            *([_digits(str(weighted))] if len(_digits(str(weighted))) >= 6 else []),
        ],
    }


def leaks(body, secrets):
    if body.startswith(b"PK"):  # an XLSX export: its sheets and strings, unzipped
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    text = body.decode("utf-8", "replace")
    found = [s for s in secrets["text"] if s.lower() in text.lower()]
    digits = _digits(text)
    return found + [s for s in secrets["digits"] if s in digits]


@pytest.fixture
def planted(tenant_a):
    """Sales's account, contact (with a twin by name), deal, lead, activity,
    task, import job and custom-object record, every hidden value planted;
    the history holds the hidden values too (each was changed to its value)."""
    with in_tenant(tenant_a):
        admin, sales = user_of(tenant_a, "admin"), user_of(tenant_a, "sales")
        builder_services.create_field(
            by=admin, object_name="contacts", name="secret_score", label="Secret score", type="integer"
        )
        builder_services.create_object(by=admin, name="gadget", label="Gadget", label_plural="Gadgets")
        gadget = builder_services.create_record("gadget", by=sales, name="Probe gadget")
        company = create_account(by=admin, name="Probe Holdings", owner=sales, phone="+86 10 5555 0000")
        update_account(account=company, by=admin, phone=ACCOUNT_PHONE)
        person = create_contact(
            by=admin,
            first_name="Zara",
            last_name="Probe",
            email="zara.old@probe-mask.test",
            phone="+86 139 0000 1111",
            account=company,
            owner=sales,
        )
        update_contact(contact=person, by=admin, email=EMAIL, phone=CONTACT_PHONE, custom={"secret_score": SCORE})
        twin = create_contact(by=admin, first_name="Zara", last_name="Probe", owner=sales, allow_duplicates=True)
        pipeline = Pipeline.objects.get(is_default=True)
        stage = pipeline.stages.get(name="Needs analysis")
        deal = create_deal(
            by=admin,
            name="Probe deal",
            account=company,
            contacts=[person],
            amount=Decimal("1000.00"),
            stage=stage,
            owner=sales,
        )
        update_deal(deal=deal, by=admin, amount=AMOUNT)
        lead = create_lead(by=admin, first_name="Lena", last_name="Lead", company="Probe Holdings", owner=sales)
        activity = log_activity(by=sales, kind="call", subject="Called Zara", contact=person, deal=deal)
        task = create_task(by=sales, title="Call Zara back", contact=person)
        job = import_services.upload_file(
            by=sales, kind="contacts", file_name="people.csv", content=b"first_name,last_name\nZara,Probe\n"
        )
        for role_module, fields in MASKED.items():
            for field in fields:
                set_sensitive_field(by=admin, module=role_module, field=field, hidden_from=["sales"])
    return {
        "account": company,
        "contact": person,
        "twin": twin,
        "deal": deal,
        "lead": lead,
        "activity": activity,
        "task": task,
        "import": job,
        "gadget": gadget,
        "pipeline": pipeline,
        "stage": stage,
    }


# The record each path segment before an id names; the id of a kind without
# one here is the (missing) 999999999, which must answer 404, not leak.
_RECORD_OF = {
    "accounts": "account",
    "contacts": "contact",
    "deals": "deal",
    "leads": "lead",
    "activities": "activity",
    "tasks": "task",
    "imports": "import",
    "pipelines": "pipeline",
    "stages": "stage",
    "gadget": "gadget",
    "objects": "gadget",
}
# Query parameters a route needs to show anything: what a user would ask.
_QUERIES = {
    "contacts/duplicates/": [
        {"first_name": "Zara", "last_name": "Probe"},
        {"email": EMAIL},
        {"phone": CONTACT_PHONE},
    ],
    "accounts/duplicates/": [{"name": "Probe Holdings"}, {"phone": ACCOUNT_PHONE}],
    "leads/duplicates/": [{"email": EMAIL}],
    "deals/kanban/": [{}, {"pipeline": "{pipeline}"}],
    "deals/summary/": [{}, {"pipeline": "{pipeline}"}],
    "search/": [{"q": "Zara"}, {"q": "Probe"}],
    "contacts/": [{}, {"q": "Zara"}],
    "deals/list/": [{}, {"q": "Probe"}],
    # The pickers, opened and typed in (a name, the masked phone, the masked e-mail).
    **{
        f"pick/{kind}/": [{}, {"q": "Zara"}, {"q": "Probe"}, {"q": CONTACT_PHONE}, {"q": ACCOUNT_PHONE}, {"q": EMAIL}]
        for kind in ("accounts", "contacts", "deals", "leads")
    },
}


def _fill(route, records):
    """`route` with each parameter (`{id}`, `<int:pk>`, ...) replaced by the id of
    the record its preceding path segment names."""
    parts = re.split(r"(\{[^}]+\}|<[^>]+>)", route)
    out = []
    for index, part in enumerate(parts):
        if not re.fullmatch(r"\{[^}]+\}|<[^>]+>", part):
            out.append(part)
            continue
        name = part.strip("{}<>").split(":")[-1]
        before = [p for p in "".join(parts[:index]).split("/") if p]
        segment = before[-1] if before else ""
        if name == "object_name":
            out.append("gadget")
        elif name in ("account_id", "account_pk"):
            out.append(str(records["account"].pk))
        elif name == "record_id":
            out.append(str(records["gadget"]["id"] if isinstance(records["gadget"], dict) else records["gadget"].pk))
        elif name == "kind":
            out.append("deal")
        elif name in ("uidb64", "token"):
            # A password-reset link's parts: an invalid link's page holds no record.
            out.append("MQ" if name == "uidb64" else "invalid-token")
        elif name in ("id", "pk", "subject_id", "number"):
            record = records.get(_RECORD_OF.get(segment, ""))
            if record is None:
                out.append("999999999")
            else:
                out.append(str(record["id"] if isinstance(record, dict) else record.pk))
        else:
            raise AssertionError(f"The walk does not know what to put in {part} of {route}: add it to _fill.")
    return "".join(out)


def _queries(route, records):
    key = route.split("/api/v1/")[-1].lstrip("/")
    if key.endswith("export/"):
        return [{}, {"file_format": "xlsx"}]
    return [
        {k: v.format(pipeline=records["pipeline"].pk) for k, v in query.items()} for query in _QUERIES.get(key, [{}])
    ]


def _api_paths(tenant):
    schema = api_client(tenant, user_of(tenant, "admin")).get("/api/schema/", {"format": "json"}).json()
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations)


def _web_routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    skipped = ("api/", "i18n/", "invite/", "logout/", "login/")
    return sorted(
        "/" + route for route in walk(get_resolver("config.urls_tenant").url_patterns) if not route.startswith(skipped)
    )


def _walk(tenant, client, routes, records):
    secrets = _secrets(records["stage"].probability)
    found, walked = {}, 0
    for route in routes:
        url = _fill(route, records)
        for query in _queries(route, records):
            response = client.get(url, query)
            walked += 1
            assert response.status_code < 500, f"{url} {query}: {response.status_code}"
            body = b"".join(response.streaming_content) if response.streaming else response.content
            leaked = leaks(body, secrets)
            if leaked:
                found[f"{url} {query or ''}"] = leaked
    return found, walked


def test_no_api_response_to_sales_holds_a_value_masked_for_sales(tenant_a, planted):
    paths = _api_paths(tenant_a)
    assert "/api/v1/contacts/duplicates/" in paths and "/api/v1/deals/kanban/" in paths
    found, walked = _walk(tenant_a, api_client(tenant_a, user_of(tenant_a, "sales")), paths, planted)
    assert walked > 60
    assert not found, "\n".join(f"{where}: {values}" for where, values in found.items())


def test_no_page_shown_to_sales_holds_a_value_masked_for_sales(tenant_a, planted):
    routes = _web_routes()
    assert "/deals/" in routes and "/contacts/<int:pk>/" in routes
    found, walked = _walk(tenant_a, browser(tenant_a, "sales"), routes, planted)
    assert walked > 60
    assert not found, "\n".join(f"{where}: {values}" for where, values in found.items())


def test_the_admin_walking_the_same_routes_finds_the_planted_values(tenant_a, planted):
    """The walk finds what it looks for: the values are there for a role that may see them."""
    found, _walked = _walk(tenant_a, api_client(tenant_a, user_of(tenant_a, "admin")), _api_paths(tenant_a), planted)
    everything = {value for values in found.values() for value in values}
    assert set(_secrets(planted["stage"].probability)["digits"]) | {EMAIL} <= everything
    assert any("xlsx" in where for where in found)  # the XLSX files are read, not skipped
    found, _walked = _walk(tenant_a, browser(tenant_a, "admin"), _web_routes(), planted)
    assert {_digits(str(AMOUNT)), str(SCORE), _digits(CONTACT_PHONE)[-8:]} <= {
        value for values in found.values() for value in values
    }


def test_the_kanban_and_summary_count_the_deals_but_total_no_masked_amount(tenant_a, planted):
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    column = next(c for c in sales.get("/api/v1/deals/kanban/").json()["stages"] if c["id"] == planted["stage"].pk)
    assert (column["count"], column["totals"]) == (1, None)
    assert sales.get("/api/v1/deals/summary/").json() == {"open_count": 1, "totals": None, "weighted_totals": None}
    admin_summary = api_client(tenant_a, user_of(tenant_a, "admin")).get("/api/v1/deals/summary/").json()
    assert Decimal(admin_summary["totals"][planted["deal"].currency]) >= AMOUNT
