"""crm.audit.sentences: every history row reads as a sentence, in both languages."""

from django.utils import translation

from crm.audit.sentences import sentence


def test_a_custom_objects_record_and_the_system_read_as_sentences():
    with translation.override("en"):
        assert sentence("boat.created", "Li Wei") == "Li Wei created the record"
        assert sentence("deal.paused", None) == "System paused the deal"
        assert sentence("deal.moved", "Li Wei", {"stage_name": ["Proposal", "Negotiation"]}) == (
            "Li Wei moved the deal from Proposal to Negotiation"
        )
    with translation.override("zh-hans"):
        assert sentence("account.created", "李伟") == "李伟 创建了客户"
        assert sentence("deal.paused", None) == "系统 暂停了商机"
