"""Files that are damaged, hostile or too large, uploaded to imports: each is a
400 naming what is wrong with the file (never a 500, never a request kept busy),
and nothing is recorded."""

import io
import json
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.accounts.models import Account
from crm.imports import readers
from crm.imports.models import ImportJob
from tests.conftest import api_client, in_tenant, user_of
from tests.crm.imports.test_web import browser

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(*rows, sheet=None):
    """An XLSX file of `rows`; `sheet(xml) -> xml` rewrites its first sheet's XML."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    if sheet is None:
        return out.getvalue()
    rewritten = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, sheet(data.decode()).encode() if name == SHEET else data)
    return rewritten.getvalue()


def upload(tenant, content, name="accounts.xlsx", dry_run="true"):
    client = api_client(tenant, user_of(tenant, "sales"))
    data = {"file": SimpleUploadedFile(name, content), "kind": "accounts", "dry_run": dry_run}
    return client.post("/api/v1/imports/", data, format="multipart")


def assert_refused(tenant, response, words):
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["file"])
    assert words in message
    with in_tenant(tenant):
        assert not ImportJob.objects.exists()
        assert not Account.objects.filter(name__startswith="Hostile").exists()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


@pytest.mark.parametrize(
    ("rewrite", "words"),
    [
        (lambda xml: xml[: len(xml) // 2], "damaged"),
        (lambda xml: BILLION_LAUGHS + xml.replace("<t>Hostile One</t>", "<t>&lol3;</t>"), "DTD"),
        (lambda xml: xml.replace('r="A2"', 'r="AAAA2"'), "damaged"),
        (lambda xml: xml.replace('r="A2"', 'r="$$"'), "damaged"),
        (lambda xml: xml.replace('<row r="2">', '<row r="two">'), "damaged"),
    ],
    ids=["truncated-xml", "billion-laughs", "four-letter-column", "nonsense-cell-ref", "nonsense-row-number"],
)
def test_a_damaged_or_hostile_xlsx_is_refused_with_the_reason(tenant_a, rewrite, words):
    content = xlsx(["name"], ["Hostile One"], sheet=rewrite)
    assert_refused(tenant_a, upload(tenant_a, content), words)


def test_a_truncated_xlsx_package_is_refused(tenant_a):
    content = xlsx(["name"], ["Hostile One"])
    assert_refused(tenant_a, upload(tenant_a, content[: len(content) // 2]), "not an XLSX file")


def test_an_xlsx_upload_in_the_page_with_a_dtd_is_refused_with_the_reason(tenant_a):
    content = xlsx(["name"], ["Hostile One"], sheet=lambda xml: BILLION_LAUGHS + xml)
    response = browser(tenant_a, "sales").post(
        "/imports/", {"kind": "accounts", "file": SimpleUploadedFile("a.xlsx", content)}
    )
    assert response.status_code == 400
    assert "declares a DTD" in response.content.decode()


def test_a_csv_cell_over_the_csv_field_limit_is_refused_with_its_line(tenant_a):
    content = b'name\nHostile Ok\n"' + b"x" * 200_000 + b'"\n'
    assert_refused(tenant_a, upload(tenant_a, content, name="a.csv"), "Line 3 has a cell longer than")


def test_a_csv_with_a_nul_byte_is_refused_with_its_line(tenant_a):
    assert_refused(tenant_a, upload(tenant_a, b"name\nHostile\x00Co\n", name="a.csv"), "Line 2 contains a NUL")


def test_a_bare_cr_is_a_line_break_outside_quotes_and_kept_inside_them(tenant_a):
    response = upload(tenant_a, b'name,website\rCR Line Co,\r"CR\rQuoted Co",\r', name="a.csv")
    assert response.status_code == 202, response.content
    assert [r["action"] for r in response.json()["results"]] == ["created", "created"]
    assert response.json()["total_rows"] == 2


def test_a_csv_wider_than_the_column_limit_is_refused(tenant_a):
    header = ",".join(["name", *(f"c{i}" for i in range(readers.MAX_COLUMNS))])
    content = f"{header}\nHostile Wide,{','.join('x' * readers.MAX_COLUMNS)}\n".encode()
    assert_refused(tenant_a, upload(tenant_a, content, name="a.csv"), f"more than {readers.MAX_COLUMNS} columns")


def test_an_xlsx_wider_than_the_column_limit_is_refused(tenant_a):
    content = xlsx(["name"], ["Hostile Wide"], sheet=lambda xml: xml.replace('r="A2"', 'r="ZZ2"'))
    assert_refused(tenant_a, upload(tenant_a, content), f"more than {readers.MAX_COLUMNS} columns")


def test_a_file_over_the_row_limit_is_refused_with_the_limit(tenant_a, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = "name\n" + "".join(f"Hostile {n}\n" for n in range(4))
    assert_refused(tenant_a, upload(tenant_a, content.encode(), name="a.csv"), "At most 3 rows per file.")


def test_an_xlsx_claiming_the_largest_sheet_is_read_for_the_cells_it_has(tenant_a, monkeypatch):
    """A 2 KB file claiming A1:XFD1048576 (and a row numbered past Excel's
    last) is read cell by cell, as small as it is: no padding of rows to the
    claimed width, no empty rows up to the claimed height."""
    examined = []

    def counting_text(value, _text=readers._text):
        examined.append(value)
        assert len(examined) < 1000, "the reader is filling in cells the file does not have"
        return _text(value)

    monkeypatch.setattr(readers, "_text", counting_text)
    content = xlsx(
        ["name", "industry"],
        ["Claimed Wide Co", "Mining"],
        sheet=lambda xml: xml.replace('<dimension ref="A1:B2" />', '<dimension ref="A1:XFD1048576" />').replace(
            "</sheetData>", '<row r="99999999"><c r="XFD99999999" /></row></sheetData>'
        ),
    )
    assert len(content) < 10_000
    response = upload(tenant_a, content)
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["total_rows"], job["created_count"]) == (1, 1)


def test_a_large_file_is_counted_and_dry_run_by_the_worker_not_the_request(tenant_a, settings):
    settings.IMPORT_INLINE_ROWS = 2
    content = "name\n" + "".join(f"Large Co {n}\n" for n in range(5))
    response = upload(tenant_a, content.encode(), name="a.csv")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["total_rows"], job["results"]) == ("pending", 0, [])


def test_a_mapping_is_checked_against_the_header_of_a_large_file_too(tenant_a, settings):
    settings.IMPORT_INLINE_ROWS = 1
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    content = b"Company\nA\nB\nC\n"
    data = {
        "file": SimpleUploadedFile("a.csv", content),
        "kind": "accounts",
        "mapping": json.dumps({"Firm": "name"}),
    }
    response = client.post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 400
    assert "mapping" in response.json()


def test_the_page_of_a_large_draft_says_its_rows_are_counted_when_it_runs(tenant_a, settings):
    settings.IMPORT_INLINE_ROWS = 2
    client = browser(tenant_a, "sales")
    content = b"name\nA Co\nB Co\nC Co\n"
    response = client.post("/imports/", {"kind": "accounts", "file": SimpleUploadedFile("a.csv", content)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "More than 2 rows of accounts: they are counted when the import runs" in page


def test_a_dry_run_in_the_page_of_a_large_draft_tries_only_its_first_rows(tenant_a, settings):
    settings.IMPORT_INLINE_ROWS = 2
    client = browser(tenant_a, "sales")
    content = b"name\nA Co\nB Co\nC Co\nD Co\n"
    location = client.post("/imports/", {"kind": "accounts", "file": SimpleUploadedFile("a.csv", content)})["Location"]
    response = client.post(location, {"mode": "skip", "column_0": "name", "action": "dry_run"})
    assert response.status_code == 200
    with in_tenant(tenant_a):
        job = ImportJob.objects.get()
        assert (job.status, job.processed_rows, job.created_count) == ("draft", 2, 2)
        assert not Account.objects.filter(name__in=["A Co", "B Co"]).exists()
