"""Edit pages that know what they were opened with (crm/web/conflicts.py): when
someone else saved the record while a user was editing it, saving does not
overwrite their change; the form comes back (409) saying who changed which
field to what, with the user's input kept and the other person's values in the
fields the user left alone. Saving that form again keeps both changes."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from crm.accounts.models import Account
from crm.accounts.services import update_account
from crm.builder import services as builder_services
from crm.builder.models import CustomField
from crm.contacts.models import Contact
from tests.crm.accounts.factories import account, contact
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


class _FormReader(HTMLParser):
    """What a browser would post for the page's record form, as it shows it."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._select, self._textarea = [], False, None, None
        # A single select with nothing selected posts its first option.
        self._first_option, self._chose, self._multiple = None, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("data-testid") == "record-form":
            self._in_form = True
        if not self._in_form or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name") and attrs.get("name") != "csrfmiddlewaretoken":
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((attrs["name"], attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._first_option, self._chose = attrs.get("name"), None, False
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.data.append((self._select, attrs.get("value", "")))
                self._chose = True
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if not self._chose and not self._multiple and self._first_option is not None:
                self.data.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None


class Editor:
    """One person on the record's edit page."""

    def __init__(self, tenant, who, url):
        self.client = Client(HTTP_HOST=host(tenant))
        with in_tenant(tenant):
            self.client.force_login(user_of(tenant, who))
        self.url = url

    def open(self):
        self.fields = _read(self.client.get(self.url))
        return self

    def set(self, **values):
        for name, value in values.items():
            self.fields = [(k, v) for k, v in self.fields if k != name] + [(name, value)]
        return self

    def save(self):
        data = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        response = self.client.post(self.url, data)
        if response.status_code == 409:
            self.fields = _read(response)
        return response

    def value(self, name):
        return dict(self.fields).get(name)


def _read(response):
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.data


def stored(tenant, model, pk):
    with in_tenant(tenant):
        return model.objects.get(pk=pk)


def test_the_second_editor_is_told_who_changed_what_and_keeps_their_input(tenant_a):
    record = account(tenant_a, "Two Editors Co", owner="sales", phone="+1 555 0100", industry="Retail")
    url = f"/accounts/{record.pk}/edit/"
    anna, ben = Editor(tenant_a, "sales", url).open(), Editor(tenant_a, "director", url).open()
    assert anna.set(phone="+1 555 0199").save().status_code == 302

    response = ben.set(industry="Mining").save()

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this record while you were editing it" in page
    assert "Phone is now “+1 555 0199” (changed by sales@alpha" in page
    assert ben.value("industry") == "Mining"  # what Ben typed
    assert ben.value("phone") == "+1 555 0199"  # what Anna saved, in the field Ben left alone
    assert (stored(tenant_a, Account, record.pk).phone, stored(tenant_a, Account, record.pk).industry) == (
        "+1 555 0199",
        "Retail",
    )


def test_saving_the_form_again_after_a_conflict_keeps_both_changes(tenant_a):
    record = account(tenant_a, "Both Kept Co", owner="sales", phone="+1 555 0100", industry="Retail")
    url = f"/accounts/{record.pk}/edit/"
    anna, ben = Editor(tenant_a, "sales", url).open(), Editor(tenant_a, "director", url).open()
    anna.set(phone="+1 555 0199").save()
    assert ben.set(industry="Mining").save().status_code == 409
    assert ben.save().status_code == 302
    saved = stored(tenant_a, Account, record.pk)
    assert (saved.phone, saved.industry) == ("+1 555 0199", "Mining")


def test_when_both_changed_the_same_field_the_form_says_so_next_to_it_and_keeps_the_users_value(tenant_a):
    record = contact(tenant_a, "Clash", owner="sales", title="Buyer")
    url = f"/contacts/{record.pk}/edit/"
    anna, ben = Editor(tenant_a, "sales", url).open(), Editor(tenant_a, "director", url).open()
    anna.set(title="CFO").save()

    response = ben.set(title="CEO").save()

    assert response.status_code == 409
    assert "changed this to “CFO”. Saving again replaces it with your value." in response.content.decode()
    assert ben.value("title") == "CEO"
    assert stored(tenant_a, Contact, record.pk).title == "CFO"
    assert ben.save().status_code == 302
    assert stored(tenant_a, Contact, record.pk).title == "CEO"


def test_a_change_to_something_the_form_does_not_show_is_no_conflict(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        builder_services.create_field(by=admin, object_name="accounts", name="erp_id", label="ERP id", type="text")
        field = CustomField.objects.get(object_name="accounts", name="erp_id")
        builder_services.update_field(field, by=admin, hidden=True)
    record = account(tenant_a, "Quiet Change Co", owner="sales")
    url = f"/accounts/{record.pk}/edit/"
    ben = Editor(tenant_a, "director", url).open()
    with in_tenant(tenant_a):
        update_account(account=Account.objects.get(pk=record.pk), by=admin, custom={"erp_id": "E-1"})
    assert ben.set(industry="Mining").save().status_code == 302
    assert stored(tenant_a, Account, record.pk).industry == "Mining"


def test_a_form_posted_without_its_version_saves_as_before(tenant_a):
    record = account(tenant_a, "Plain Post Co", owner="sales")
    client = Editor(tenant_a, "sales", f"/accounts/{record.pk}/edit/").client
    response = client.post(f"/accounts/{record.pk}/edit/", {"name": "Plain Post Co", "industry": "Retail"})
    assert response.status_code == 302
    assert stored(tenant_a, Account, record.pk).industry == "Retail"
