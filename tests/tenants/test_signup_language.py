"""A tenant starts with its pipeline named in the language it signed up in."""

import pytest
from django.test import Client

from crm.deals.models import Pipeline
from tenants.models import Tenant
from tests.tenancy import api_client, in_tenant, unique_subdomain

pytestmark = pytest.mark.django_db


def sign_up_in(language):
    subdomain = unique_subdomain("lang")
    payload = {
        "company": "语言 Co",
        "subdomain": subdomain,
        "email": "boss@lang.test",
        "password": "a-strong-passphrase",
        "seats": 1,
        "interval": "month",
    }
    response = api_client().post("/api/v1/signup/", payload, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 201, response.content
    return Tenant.objects.get(subdomain=subdomain)


def default_pipeline_of(tenant):
    with in_tenant(tenant):
        pipeline = Pipeline.objects.get(is_default=True)
        return pipeline.name, list(pipeline.stages.order_by("position").values_list("name", flat=True))


def test_a_chinese_sign_up_starts_with_chinese_stage_names(spare_pool):
    name, stages = default_pipeline_of(sign_up_in("zh-hans"))
    assert name == "销售流程"
    assert stages == ["初步接洽", "需求分析", "方案报价", "谈判审核", "赢单", "输单"]


def test_an_english_sign_up_starts_with_english_stage_names(spare_pool):
    name, stages = default_pipeline_of(sign_up_in("en"))
    assert name == "Sales"
    assert stages == ["Qualification", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost"]


def test_the_sign_up_page_in_chinese_starts_with_chinese_stage_names(spare_pool):
    subdomain = unique_subdomain("page")
    response = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/signup/",
        {
            "company": "页面 Co",
            "subdomain": subdomain,
            "email": "boss@page.test",
            "password": "a-strong-passphrase",
            "seats": 1,
            "interval": "month",
        },
    )
    assert response.status_code in (302, 303), response.content[:500]
    _name, stages = default_pipeline_of(Tenant.objects.get(subdomain=subdomain))
    assert stages[0] == "初步接洽"
