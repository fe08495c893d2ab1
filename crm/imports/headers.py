"""Which field a column of an uploaded file fills, from its header: the field's
own name, its label (in English and Chinese, custom fields by their label), or
a common synonym in either language ("E-mail", "Mobile", 手机, 邮箱, 公司...).

Headers are compared loosely: case, width, spaces, underscores, hyphens and
punctuation do not count ("E-Mail" is "email", "First_Name" is "first name").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_LOOSE = re.compile(r"[\W_]+", re.UNICODE)

_PHONE = [
    "phone",
    "telephone",
    "tel",
    "mobile",
    "mobile phone",
    "cell",
    "cell phone",
    "phone number",
    "手机",
    "手机号",
    "手机号码",
    "电话",
    "电话号码",
    "联系电话",
    "移动电话",
    "座机",
]
_EMAIL = [
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "邮箱",
    "电子邮箱",
    "电子邮件",
    "邮件",
    "邮箱地址",
]
_COMPANY = [
    "company",
    "company name",
    "organization",
    "organisation",
    "employer",
    "account",
    "account name",
    "公司",
    "公司名称",
    "单位",
    "企业",
    "企业名称",
    "所在公司",
]
_PERSON = {
    "first_name": ["first name", "firstname", "given name", "forename", "名", "名字"],
    "last_name": ["last name", "lastname", "surname", "family name", "姓", "姓氏"],
    "title": ["title", "job title", "position", "职位", "职务", "头衔", "岗位"],
    "email": _EMAIL,
    "phone": _PHONE,
}

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "contacts": {**_PERSON, "role": ["role", "角色"], "company_name": _COMPANY},
    "leads": {
        **_PERSON,
        "company": _COMPANY,
        "source": ["source", "lead source", "来源", "线索来源"],
        "status": ["status", "状态"],
    },
    "accounts": {
        "name": [
            "name",
            "company",
            "company name",
            "account",
            "account name",
            "customer",
            "customer name",
            "名称",
            "公司",
            "公司名称",
            "客户",
            "客户名称",
            "企业名称",
        ],
        "kind": ["type", "account type", "类型", "客户类型"],
        "industry": ["industry", "sector", "行业", "所属行业"],
        "region": ["region", "area", "地区", "区域", "省份"],
        "source": ["source", "来源", "客户来源"],
        "level": ["level", "tier", "级别", "等级", "客户级别"],
        "value_class": ["value class", "价值", "价值分类"],
        "status": ["status", "状态"],
        "phone": _PHONE,
        "email": _EMAIL,
        "website": ["website", "web site", "web", "url", "homepage", "网站", "网址", "官网", "主页"],
        "billing_address": ["billing address", "address", "地址", "账单地址", "开票地址"],
        "shipping_address": ["shipping address", "delivery address", "收货地址", "送货地址"],
    },
}
# A whole name in one column fills the required first name when no column says "first name".
_WHOLE_NAME = {"contacts": "first_name", "leads": "first_name"}
_WHOLE_NAME_HEADERS = ["name", "full name", "contact", "contact name", "姓名", "全名", "联系人", "联系人姓名"]


def loose(text: str) -> str:
    """A header as compared: "E-Mail " → "email", "First_Name" → "firstname"."""
    return _LOOSE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def propose(
    kind: str,
    header: Iterable[str],
    labels: Iterable[tuple[str, str]],
    remembered: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """{column: field} for the columns of `header` a `kind` file would fill:
    first as the tenant mapped the same column last time (`remembered`), then by
    the field's name or one of its `labels` ((field, label) pairs, any
    language), then by synonym. Each field from one column only, the first
    in the file's order."""
    columns = [column for column in header if column]
    fields = {field for field, _label in labels}
    known: dict[str, str] = {}
    for field, label in labels:
        known.setdefault(loose(field), field)
        known.setdefault(loose(label), field)
    synonyms: dict[str, str] = {}
    for field, words in SYNONYMS.get(kind, {}).items():
        for word in words:
            synonyms.setdefault(loose(word), field)
    mapping: dict[str, str] = {}

    def take(column: str, field: str | None) -> None:
        if field and field in fields and column not in mapping and field not in mapping.values():
            mapping[column] = field

    for column in columns:
        take(column, (remembered or {}).get(column))
    for column in columns:
        take(column, known.get(loose(column)))
    for column in columns:
        take(column, synonyms.get(loose(column)))
    whole = _WHOLE_NAME.get(kind)
    if whole:
        for column in columns:
            if loose(column) in {loose(word) for word in _WHOLE_NAME_HEADERS}:
                take(column, whole)
    return mapping
