"""What the API answers is what its OpenAPI document says it answers: along the
main flows (create, list, retrieve and patch of accounts, contacts, leads, deals,
tasks and a custom object's records), every 2xx body is checked against the
schema the tenant's own /api/schema/ documents for that operation and status,
and an operation that documents no body must send none (a generated client
throws an undocumented body away: the record a POST created, say).

The document is OpenAPI 3.0; its schemas are JSON Schema draft 4 plus
`nullable`, which is turned into JSON Schema here. Objects are checked closed
(no key the document does not name), so a key the API adds without documenting
it fails too."""

import copy
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import api_client, user_of

pytestmark = pytest.mark.django_db

_FORMATS = jsonschema.FormatChecker()


@_FORMATS.checks("uri")
def _is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@_FORMATS.checks("date")
def _is_date(value):
    return not isinstance(value, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def _json_schema(node):
    """An OpenAPI 3.0 schema as plain JSON Schema: `nullable` becomes "or null",
    and objects that name their properties admit no others."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


class Document:
    """A tenant's OpenAPI document, fetched as an authenticated client (the
    document may require signing in)."""

    def __init__(self, client):
        response = client.get("/api/schema/", {"format": "json"})
        assert response.status_code == 200, response.content[:500]
        self.raw = response.json()
        self.components = _json_schema(self.raw["components"])

    def operation(self, path, method):
        assert path in self.raw["paths"], f"{path} is not in the document"
        operation = self.raw["paths"][path].get(method.lower())
        assert operation is not None, f"{method} {path} is not in the document"
        return operation

    def check(self, response, path, method, *, error=False):
        """`response` (to `method` on the documented `path`) is a documented 2xx
        (a documented 4xx with `error`), with a body exactly when the document
        gives one, matching its schema."""
        where = f"{method} {path} -> {response.status_code}"
        expected = 400 <= response.status_code < 500 if error else 200 <= response.status_code < 300
        assert expected, f"{where}: {response.content[:500]!r}"
        responses = self.operation(path, method)["responses"]
        documented = responses.get(str(response.status_code))
        assert documented is not None, f"{where}: status not documented (only {sorted(responses)})"
        body = response.content
        content = documented.get("content")
        if not content:
            assert not body, f"{where}: documents no response body but answered {body[:200]!r}"
            return
        media_type = response["Content-Type"].split(";")[0].strip()
        assert media_type in content, f"{where}: answered {media_type}, documents {sorted(content)}"
        schema = {**_json_schema(content[media_type]["schema"]), "components": self.components}
        validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
        errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.absolute_path))
        assert not errors, f"{where}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors[:10]
        )


@pytest.fixture
def admin(tenant_a):
    return api_client(tenant_a, user_of(tenant_a, "admin"))


@pytest.fixture
def custom_setup(admin):
    """A custom field on contacts and deals, and a custom object with fields."""
    for body in (
        {"object": "contacts", "name": "wechat_id", "label": "WeChat", "type": "text"},
        {"object": "deals", "name": "region_code", "label": "Region", "type": "choice", "choices": ["N", "S"]},
        {"object": "accounts", "name": "founded", "label": "Founded", "type": "date"},
    ):
        made = admin.post("/api/v1/customization/fields/", body, format="json")
        assert made.status_code == 201, made.json()
    made = admin.post(
        "/api/v1/customization/objects/",
        {"name": "vehicle", "label": "Vehicle", "label_plural": "Vehicles"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    for body in (
        {"name": "plate", "type": "text", "required": True},
        {"name": "mileage", "type": "integer"},
        {"name": "bought_on", "type": "date"},
    ):
        made = admin.post("/api/v1/customization/fields/", {"object": "vehicle", "label": "X", **body}, format="json")
        assert made.status_code == 201, made.json()


def _flow(document, client, collection, create, patch):
    """Create, list, retrieve and patch one record of `collection`, each answer
    checked against the document; returns the created record."""
    item = collection + "{id}/"
    created = client.post(collection, create, format="json")
    document.check(created, collection, "POST")
    record = created.json()
    assert record["id"], "the created record comes back"
    document.check(client.get(collection), collection, "GET")
    url = f"{collection}{record['id']}/"
    document.check(client.get(url), item, "GET")
    document.check(client.patch(url, patch, format="json"), item, "PATCH")
    return record


@pytest.mark.parametrize("role", ["admin", "sales"])
def test_the_main_flows_answer_exactly_what_the_document_says(tenant_a, custom_setup, role):
    client = api_client(tenant_a, user_of(tenant_a, role))
    document = Document(client)

    account = _flow(
        document,
        client,
        "/api/v1/accounts/",
        {"name": "Schema Check Ltd", "website": "https://schema.example", "founded": "2001-02-03"},
        {"industry": "Software"},
    )
    contact = _flow(
        document,
        client,
        "/api/v1/contacts/",
        {"first_name": "Sam", "last_name": "Schema", "account": account["id"], "wechat_id": "sam_s"},
        {"phone": "+44 20 7946 0000"},
    )
    _flow(
        document,
        client,
        "/api/v1/leads/",
        {"first_name": "Lee", "last_name": "Lead", "company": "Lead Co"},
        {"title": "CTO"},
    )
    deal = _flow(
        document,
        client,
        "/api/v1/deals/",
        {"name": "Schema deal", "account": account["id"], "amount": "1200.50", "region_code": "N"},
        {"amount": "1300.00", "contacts": [contact["id"]]},
    )
    assert deal["amount"] == "1200.50"
    _flow(
        document,
        client,
        "/api/v1/tasks/",
        {"title": "Call Sam", "due_date": "2030-01-02", "contact": contact["id"]},
        {"done": True},
    )
    _flow(
        document,
        client,
        "/api/v1/objects/vehicle/",
        {"name": "Van", "plate": "SCH-1", "mileage": 10, "bought_on": "2024-05-06"},
        {"mileage": 11},
    )


def test_creating_an_account_or_a_contact_documents_the_record_it_answers_with(tenant_a, admin):
    document = Document(admin)

    for path in ("/api/v1/accounts/", "/api/v1/contacts/"):
        created = document.operation(path, "POST")["responses"]["201"]
        listed = document.operation(path + "{id}/", "GET")["responses"]["200"]
        assert created.get("content"), f"POST {path} documents no body"
        assert created["content"]["application/json"]["schema"] == listed["content"]["application/json"]["schema"]
        assert "409" in document.operation(path, "POST")["responses"]


def test_the_checker_fails_an_operation_that_documents_no_body_but_answers_one(tenant_a, admin):
    document = Document(admin)
    # As the document read before the fix: 201 "No response body".
    document.raw = copy.deepcopy(document.raw)
    document.raw["paths"]["/api/v1/accounts/"]["post"]["responses"]["201"] = {"description": "No response body"}

    created = admin.post("/api/v1/accounts/", {"name": "Undocumented Body Ltd"}, format="json")

    with pytest.raises(AssertionError, match="documents no response body"):
        document.check(created, "/api/v1/accounts/", "POST")


def test_the_checker_fails_a_body_with_an_undocumented_key(tenant_a, admin):
    document = Document(admin)
    document.components["schemas"]["Account"]["properties"].pop("watched")

    created = admin.post("/api/v1/accounts/", {"name": "Extra Key Ltd"}, format="json")

    with pytest.raises(AssertionError, match="watched"):
        document.check(created, "/api/v1/accounts/", "POST")


def test_the_record_actions_answer_exactly_what_the_document_says(tenant_a, admin, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    document = Document(admin)
    sales2 = user_of(tenant_a, "sales2").pk

    def call(method, path, url=None, body=None, **kwargs):
        response = getattr(admin, method.lower())(url or path, body, format=kwargs.pop("format", "json"), **kwargs)
        document.check(response, path, method)
        return response.json() if response.content and response["Content-Type"].startswith("application/json") else None

    keep = call("POST", "/api/v1/accounts/", body={"name": "Keep Ltd"})
    other = call("POST", "/api/v1/accounts/", "/api/v1/accounts/?force=true", {"name": "Other Ltd"})
    item = "/api/v1/accounts/{id}/"
    call("GET", "/api/v1/accounts/duplicates/", "/api/v1/accounts/duplicates/?name=Keep")
    call("POST", item + "watch/", f"/api/v1/accounts/{keep['id']}/watch/")
    call("DELETE", item + "watch/", f"/api/v1/accounts/{keep['id']}/watch/")
    call("POST", item + "share/", f"/api/v1/accounts/{keep['id']}/share/", {"users": [sales2]})
    call("GET", item + "shared-with/", f"/api/v1/accounts/{keep['id']}/shared-with/")
    call("POST", item + "unshare/", f"/api/v1/accounts/{keep['id']}/unshare/", {"users": [sales2]})
    call("POST", item + "merge/", f"/api/v1/accounts/{keep['id']}/merge/", {"other": other["id"]})
    call("GET", item + "history/", f"/api/v1/accounts/{keep['id']}/history/")

    person = call("POST", "/api/v1/contacts/", body={"first_name": "Ada", "account": keep["id"]})
    twin = call("POST", "/api/v1/contacts/", "/api/v1/contacts/?force=true", {"first_name": "Bea"})
    item = "/api/v1/contacts/{id}/"
    call("GET", "/api/v1/contacts/duplicates/", "/api/v1/contacts/duplicates/?first_name=Ada")
    link = f"/api/v1/contacts/{twin['id']}/accounts/"
    call("POST", item + "accounts/", link, {"account": keep["id"]})
    call("DELETE", item + "accounts/{account_id}/", f"{link}{keep['id']}/")
    call("POST", item + "merge/", f"/api/v1/contacts/{person['id']}/merge/", {"other": twin["id"]})
    call("GET", item + "history/", f"/api/v1/contacts/{person['id']}/history/")

    pipeline = call("GET", "/api/v1/pipelines/")["results"][0]
    listed = call("GET", "/api/v1/stages/", f"/api/v1/stages/?pipeline={pipeline['id']}")["results"]
    stages = {stage["name"]: stage["id"] for stage in listed}
    deal = call("POST", "/api/v1/deals/", body={"name": "Act deal", "account": keep["id"], "amount": "10.00"})
    item = "/api/v1/deals/{id}/"
    call("POST", item + "move/", f"/api/v1/deals/{deal['id']}/move/", {"stage": stages["Proposal"]})
    call("POST", item + "pause/", f"/api/v1/deals/{deal['id']}/pause/", {"reason": "Budget", "until": "2099-01-01"})
    call("POST", item + "reactivate/", f"/api/v1/deals/{deal['id']}/reactivate/")
    call("GET", item + "history/", f"/api/v1/deals/{deal['id']}/history/")
    call("GET", "/api/v1/deals/kanban/", f"/api/v1/deals/kanban/?pipeline={pipeline['id']}")
    call("GET", "/api/v1/deals/summary/")

    lead = call("POST", "/api/v1/leads/", body={"first_name": "Lou", "company": "Lou Co"})
    call("POST", "/api/v1/leads/{id}/convert/", f"/api/v1/leads/{lead['id']}/convert/", {"create_deal": True})

    activity = call("POST", "/api/v1/activities/", body={"kind": "call", "subject": "Hi", "account": keep["id"]})
    comments = f"/api/v1/activities/{activity['id']}/comments/"
    call("POST", "/api/v1/activities/{id}/comments/", comments, {"body": "Good"})
    call("GET", "/api/v1/activities/{id}/comments/", comments)
    for name in ("today", "this_week", "overdue", "not_contacted_recently", "never_contacted"):
        call("GET", f"/api/v1/worklists/{name}/")
    task = call("POST", "/api/v1/tasks/", body={"title": "Do it"})
    call("DELETE", "/api/v1/tasks/{id}/", f"/api/v1/tasks/{task['id']}/")
    call("GET", "/api/v1/notifications/")

    call("POST", "/api/v1/accounts/{id}/release/", f"/api/v1/accounts/{keep['id']}/release/")
    call("GET", "/api/v1/pool/")
    call("POST", "/api/v1/pool/{id}/claim/", f"/api/v1/pool/{keep['id']}/claim/")
    call("GET", "/api/v1/pool/settings/")

    upload = {"record_type": "deal", "record_id": deal["id"], "file": SimpleUploadedFile("a.txt", b"a")}
    attachment = call("POST", "/api/v1/attachments/", body=upload, format="multipart")
    call("GET", "/api/v1/attachments/", f"/api/v1/attachments/?record_type=deal&record_id={deal['id']}")
    call("GET", "/api/v1/attachments/{id}/", f"/api/v1/attachments/{attachment['id']}/")
    call("DELETE", "/api/v1/attachments/{id}/", f"/api/v1/attachments/{attachment['id']}/")

    team = call("POST", "/api/v1/teams/", body={"name": "Doc team"})
    call("PATCH", "/api/v1/teams/{id}/", f"/api/v1/teams/{team['id']}/", {"name": "Doc team 2"})
    call("GET", "/api/v1/users/")
    call("GET", "/api/v1/saved-views/")
    view = call("POST", "/api/v1/saved-views/", body={"list": "accounts", "name": "Mine", "query": "owner=me"})
    call("PATCH", "/api/v1/saved-views/{id}/", f"/api/v1/saved-views/{view['id']}/", {"name": "Mine 2"})
    call("DELETE", "/api/v1/saved-views/{id}/", f"/api/v1/saved-views/{view['id']}/")
    call("GET", "/api/v1/access/modules/")
    call("GET", "/api/v1/access/sensitive-fields/")
    call("GET", "/api/v1/customization/fields/")
    call("GET", "/api/v1/customization/objects/")
    for path in ("/api/v1/deals/{id}/", "/api/v1/accounts/{id}/", "/api/v1/contacts/{id}/", "/api/v1/leads/{id}/"):
        record = {"deals": deal, "accounts": keep, "contacts": person, "leads": lead}[path.split("/")[3]]
        call("DELETE", path, path.replace("{id}", str(record["id"])))


def test_every_documented_error_has_the_body_it_answers_with(tenant_a, admin):
    document = Document(admin)

    bodiless = [
        f"{method.upper()} {path} {status}"
        for path, item in document.raw["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
        for status, response in operation["responses"].items()
        if not status.startswith("2") and not response.get("content")
    ]
    assert bodiless == []


def test_refusals_answer_the_error_body_the_document_gives(tenant_a, admin):
    document = Document(admin)
    sales, sales2 = user_of(tenant_a, "sales"), user_of(tenant_a, "sales2")
    owned = api_client(tenant_a, sales).post("/api/v1/accounts/", {"name": "Shared Only Ltd"}, format="json").json()
    api_client(tenant_a, sales).post(f"/api/v1/accounts/{owned['id']}/share/", {"users": [sales2.pk]}, format="json")
    other = api_client(tenant_a, sales2)

    # Shared with sales2, who sees it but may not give it away.
    refused = other.post(f"/api/v1/accounts/{owned['id']}/share/", {"users": [sales2.pk]}, format="json")
    assert refused.status_code == 403
    document.check(refused, "/api/v1/accounts/{id}/share/", "POST", error=True)

    hidden = other.get("/api/v1/attachments/", {"record_type": "deal", "record_id": 2**40})
    assert hidden.status_code == 404
    document.check(hidden, "/api/v1/attachments/", "GET", error=True)


def test_the_document_names_each_record_component_once(tenant_a, admin, capsys):
    # A record answered by an action (merge, watch, link) is the view's own
    # serializer, custom fields included, not a second class of the same name.
    Document(admin)

    assert "identical names" not in capsys.readouterr().err


def test_a_role_with_masked_fields_reads_what_the_document_says(tenant_a, custom_setup, admin):
    """The masked value (crm.access.permissions.MASK) is documented for every
    maskable field: a decimal amount, a date, a custom integer of a custom object."""
    from crm.access.permissions import MASK
    from crm.access.services import set_sensitive_field
    from tests.conftest import in_tenant

    account = admin.post("/api/v1/accounts/", {"name": "Masked Ltd", "founded": "2001-02-03"}, format="json").json()
    deal = admin.post(
        "/api/v1/deals/", {"name": "Masked deal", "account": account["id"], "amount": "1200.50"}, format="json"
    ).json()
    vehicle = admin.post("/api/v1/objects/vehicle/", {"name": "Van", "plate": "M-1", "mileage": 10}, format="json")
    with in_tenant(tenant_a):
        by = user_of(tenant_a, "admin")
        for module, field in (("deals", "amount"), ("accounts", "founded"), ("vehicle", "mileage")):
            module = module if module != "vehicle" else _custom_object_module("vehicle")
            set_sensitive_field(by=by, module=module, field=field, hidden_from=["director"])
    client = api_client(tenant_a, user_of(tenant_a, "director"))
    document = Document(client)
    read = client.get(f"/api/v1/deals/{deal['id']}/")
    assert read.json()["amount"] == MASK
    document.check(read, "/api/v1/deals/{id}/", "GET")
    read = client.get(f"/api/v1/accounts/{account['id']}/")
    assert read.json()["founded"] == MASK
    document.check(read, "/api/v1/accounts/{id}/", "GET")
    read = client.get(f"/api/v1/objects/vehicle/{vehicle.json()['id']}/")
    assert read.json()["mileage"] == MASK
    document.check(read, "/api/v1/objects/vehicle/{id}/", "GET")


def _custom_object_module(name):
    from crm.access.permissions import custom_object_module

    return custom_object_module(name)
