import pytest

from crm.accounts import matching


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Ltd", "ACME limited"),
        ("Acme Co., Ltd.", "acme"),
        ("  Acme   Inc ", "Acme, Inc."),
        ("阿里巴巴（中国）有限公司", "阿里巴巴(中国)"),
        ("腾讯科技股份有限公司", "腾讯科技"),
    ],
)
def test_company_names_that_differ_only_in_form_match(a, b):
    assert matching.company_name_key(a) == matching.company_name_key(b)


def test_different_companies_do_not_match():
    assert matching.company_name_key("Acme Ltd") != matching.company_name_key("Acme Tools Ltd")


def test_a_company_called_only_by_its_legal_form_keeps_its_name():
    assert matching.company_name_key("Company") == "company"


def test_phones_match_on_their_digits_with_or_without_country_code():
    assert matching.phone_key("+44 20 7946 0000") == matching.phone_key("020-7946-0000")
    assert matching.phone_key("+86 138 0013 8000") == matching.phone_key("13800138000")
    assert matching.phone_key("12-34") == ""


def test_emails_match_whatever_their_case():
    assert matching.email_key(" Ann@Example.TEST ") == matching.email_key("ann@example.test")
