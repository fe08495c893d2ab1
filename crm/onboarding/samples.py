"""The sample data "load sample data" makes, one set per language: a few
companies with a contact each, deals spread over the pipeline's open stages,
activities and tasks. Data, not interface text: the Chinese set has Chinese
companies and names rather than translations of the English ones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleCompany:
    name: str
    industry: str
    region: str
    first_name: str
    last_name: str
    title: str
    email: str
    phone: str
    deal: str
    amount: int
    activity: str
    task: str


EN = [
    SampleCompany(
        "Northwind Traders (sample)",
        "Wholesale",
        "Seattle",
        "Nancy",
        "Davolio",
        "Purchasing manager",
        "nancy.davolio@northwind.example",
        "+1 206 555 0101",
        "Northwind: annual supply contract",
        24000,
        "Intro call with Nancy about next year's volumes",
        "Send Northwind the price list",
    ),
    SampleCompany(
        "Blue Harbor Logistics (sample)",
        "Logistics",
        "Rotterdam",
        "Pieter",
        "de Vries",
        "Operations director",
        "p.devries@blueharbor.example",
        "+31 10 555 0102",
        "Blue Harbor: fleet tracking pilot",
        9500,
        "Visited the Rotterdam depot",
        "Prepare the pilot proposal",
    ),
    SampleCompany(
        "Greenfield Clinics (sample)",
        "Healthcare",
        "Austin",
        "Maria",
        "Lopez",
        "Practice manager",
        "maria.lopez@greenfield.example",
        "+1 512 555 0103",
        "Greenfield: 12 new seats",
        14400,
        "Demo of scheduling for the front desk",
        "Follow up on the demo questions",
    ),
    SampleCompany(
        "Atlas Furniture (sample)",
        "Retail",
        "Manchester",
        "Tom",
        "Baker",
        "Owner",
        "tom@atlasfurniture.example",
        "+44 161 555 0104",
        "Atlas: shop fit-out",
        38000,
        "Called Tom about delivery dates",
        "Call Tom back about the discount",
    ),
]

ZH = [
    SampleCompany(
        "上海精密机械有限公司（示例）",
        "制造业",
        "上海",
        "敏",
        "张",
        "采购经理",
        "zhang.min@sh-precision.example",
        "021-5555-0101",
        "上海精密：年度采购合同",
        180000,
        "与张经理电话沟通明年采购量",
        "发送最新报价单",
    ),
    SampleCompany(
        "杭州绿叶茶业（示例）",
        "食品饮料",
        "杭州",
        "静",
        "陈",
        "总经理",
        "chen.jing@greenleaf.example",
        "0571-5555-0102",
        "绿叶茶业：门店管理系统",
        68000,
        "拜访杭州总部并演示系统",
        "准备试点方案",
    ),
    SampleCompany(
        "深圳光明电子（示例）",
        "电子",
        "深圳",
        "伟",
        "李",
        "运营总监",
        "li.wei@gm-electronics.example",
        "0755-5555-0103",
        "光明电子：仓储扫码升级",
        95000,
        "会议：确认扫码设备需求",
        "跟进设备报价",
    ),
    SampleCompany(
        "北京阳光口腔诊所（示例）",
        "医疗",
        "北京",
        "芳",
        "王",
        "诊所主任",
        "wang.fang@sunshine-dental.example",
        "010-5555-0104",
        "阳光口腔：预约系统 10 个席位",
        36000,
        "电话回访王主任",
        "回电讨论折扣",
    ),
]


def companies_for(language: str | None) -> list[SampleCompany]:
    return ZH if (language or "").lower().startswith("zh") else EN
