"""The field registry: every table and column of schema.sql with its English name,
the Chinese labels the five seed documents use for it, its type, and for fixed-label
fields the canonical values with zh/en display labels and the aliases input accepts.

schema.sql stays the source of truth for *which* columns and values exist;
tests/test_fields.py fails when this registry and the schema disagree.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from crmcli.errors import InvalidValue
from crmcli.i18n import _, get_lang, zh_text

_V = TypeVar("_V")


@dataclass(frozen=True)
class Label:
    value: str  # canonical, stored
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    name: str
    zh: tuple[str, ...]  # first one is the display label
    en: str
    type: str = "text"  # text int money date datetime phone email label bool id
    labels: tuple[Label, ...] = ()
    aliases: tuple[str, ...] = ()  # other names input accepts (English export headers ...)
    required: bool = False
    system: bool = False  # kept by the system: not settable with --set
    open: bool = False  # labels name the known values, but others are allowed (segment names from a rules file)
    table: str = ""

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else zh_text(self.zh[0], lang)


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    key: str
    id_prefix: str | None
    fields: tuple[Field, ...]
    aliases: tuple[str, ...] = ()
    by_name: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for f in self.fields:
            object.__setattr__(f, "table", self.name)
            self.by_name[f.name] = f

    def label_zh(self, lang: str) -> str:
        """The module's Chinese name in LANG's script (跟进记录 / 跟進記錄)."""
        return zh_text(self.zh, lang)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


def L(value: str, zh: str, en: str, *aliases: str) -> Label:  # noqa: N802 - table-like data
    return Label(value, zh, en, aliases)


SOURCE = (
    L("exhibition", "展会", "Trade show", "exhibition", "展会活动", "trade fair", "expo"),
    L("referral", "转介绍", "Referral", "介绍", "老客户介绍", "客户转介绍"),
    L("online_ads", "线上推广", "Online ads", "online", "网络推广", "线上广告", "广告"),
    L("outbound", "主动开发", "Outbound", "陌拜", "电销", "cold call"),
    L("inquiry", "主动咨询", "Inbound inquiry", "inbound", "来电咨询", "客户咨询"),
    L("website", "官网推荐", "Website", "官网", "官方网站"),
    L("data_platform", "第三方数据平台", "Data platform", "第三方平台", "数据平台", "third party"),
    L("other", "其他", "Other", "其它"),
)
CUSTOMER_TYPE = (
    L("new", "新客户", "New", "new customer", "新"),
    L("returning", "老客户", "Returning", "old customer", "existing", "老"),
    L("high_value", "高价值客户", "High value", "高价值", "key account", "vip customer"),
    L("potential", "潜在客户", "Potential", "prospect", "潜客"),
    L("lost", "流失客户", "Lost", "churned customer", "已流失客户"),
)
STATUS = (
    L("potential", "潜在", "Potential", "prospect", "lead", "潜在客户"),
    L("intent", "意向", "Intent", "interested", "意向客户", "有意向"),
    L("active", "合作中", "Active", "成交", "已成交", "活跃", "customer", "won"),
    L("at_risk", "潜在流失", "At risk", "流失风险", "churn risk"),
    L("lost", "流失", "Lost", "已流失", "churned"),
)
LEVEL = (
    L("vip", "VIP", "VIP", "vip客户", "重要"),
    L("normal", "普通", "Normal", "普通客户", "regular"),
    L("promising", "潜力", "Promising", "潜力客户"),
    L("churned", "流失", "Churned", "流失客户"),
    L("high", "高", "High", "高级"),
    L("medium", "中", "Medium", "中级"),
    L("low", "低", "Low", "低级"),
)
KIND = (
    L("enterprise", "企业", "Enterprise", "company", "公司", "企业客户", "b2b"),
    L("individual", "个人", "Individual", "person", "个人客户", "b2c"),
)
CONTACT_ROLE = (
    L("main", "基础联系人", "Main", "主要联系人", "主联系人", "primary"),
    L("related", "关联联系人", "Related", "其他联系人", "secondary"),
)
PREFERENCE = (
    L("phone", "电话", "Phone", "call", "手机"),
    L("email", "邮件", "Email", "e-mail", "邮箱", "mail"),
    L("wechat", "微信", "WeChat", "weixin"),
    L("sms", "短信", "SMS", "text"),
    L("visit", "面谈", "Visit", "拜访", "上门"),
)
METHOD = (
    L("phone", "电话", "Phone", "call", "电话沟通"),
    L("email", "邮件", "Email", "e-mail", "邮箱"),
    L("visit", "拜访", "Visit", "上门拜访", "面谈", "meeting in person"),
    L("online_meeting", "线上会议", "Online meeting", "视频会议", "video call", "zoom", "腾讯会议"),
    L("wechat", "微信", "WeChat", "weixin"),
)
FOLLOWUP_TYPE = (
    L("first_contact", "初次沟通", "First contact", "首次沟通", "初次接触"),
    L("need_followup", "需求跟进", "Need follow-up", "跟进", "需求沟通"),
    L("contract", "合同签订", "Contract", "签约", "签合同"),
    L("maintenance", "日常维护", "Maintenance", "维护", "回访"),
    L("other", "其他", "Other", "其它"),
)
ORDER_STATUS = (
    L("pending_payment", "待付款", "Pending payment", "pending", "未付款"),
    L("completed", "已完成", "Completed", "完成", "done", "paid", "已付款"),
    L("cancelled", "已取消", "Cancelled", "canceled", "取消"),
    L("partial_refund", "部分退款", "Partial refund", "退款", "refund"),
)
TICKET_TYPE = (
    L("product_inquiry", "产品咨询", "Product inquiry"),
    L("tech_support", "技术支持", "Technical support", "技术问题"),
    L("complaint_suggestion", "投诉建议", "Complaint / suggestion"),
    L("repair", "售后维修", "After-sales repair", "维修", "售后"),
    L("complaint", "投诉", "Complaint"),
    L("suggestion", "建议", "Suggestion"),
    L("praise", "表扬", "Praise", "表彰", "好评"),
    L("inquiry", "咨询", "Inquiry", "question"),
)
CHANNEL = (
    L("phone", "电话", "Phone", "call", "热线"),
    L("email", "邮件", "Email", "e-mail", "邮箱"),
    L("survey", "问卷", "Survey", "问卷调查", "questionnaire"),
    L("online_chat", "在线客服", "Online chat", "在线", "chat", "客服"),
)
URGENCY = (
    L("normal", "普通", "Normal", "一般", "低"),
    L("urgent", "紧急", "Urgent", "高", "急"),
    L("critical", "重大", "Critical", "特急", "严重"),
)
TICKET_STATUS = (
    L("pending", "待处理", "Pending", "open", "new", "未处理"),
    L("in_progress", "处理中", "In progress", "processing", "跟进中"),
    L("closed", "已关闭", "Closed", "关闭"),
    L("needs_followup", "需跟进", "Needs follow-up", "待跟进"),
    L("done", "已完成", "Done", "完成", "resolved", "已解决"),
)
NEED_TYPE = (
    L("product_inquiry", "产品咨询", "Product inquiry", "咨询"),
    L("customization", "服务定制", "Customisation", "customization", "定制"),
    L("partnership", "合作洽谈", "Partnership", "洽谈", "合作"),
)
NEED_STAGE = (
    L("confirming", "需求确认", "Confirming", "确认需求"),
    L("proposal", "方案制定", "Proposal", "方案"),
    L("quotation", "报价", "Quotation", "quote", "报价中"),
    L("won", "已成交", "Won", "成交"),
    L("dropped", "已放弃", "Dropped", "放弃", "lost"),
)
# The built-in segment rules' names (segments/default_rules.toml); a rules file may add others.
SEGMENT = (
    L("lost", "已流失", "Lost", "流失客户"),
    L("churn_risk", "流失风险", "Churn risk", "churn", "at risk"),
    L("high_value", "高价值", "High value", "高价值客户", "vip"),
    L("potential", "潜力", "Potential", "潜力客户"),
    L("normal", "普通", "Normal", "普通客户", "ordinary"),
)
TAG_GROUP = (
    L("industry", "行业标签", "Industry", "行业"),
    L("need", "需求标签", "Need", "需求"),
    L("behaviour", "行为标签", "Behaviour", "behavior", "行为"),
    L("source", "来源标签", "Source", "来源"),
    L("other", "其他", "Other", "其它"),
)

F = Field
CREATED = F("created_at", ("创建时间",), "Created", "datetime", system=True,
            aliases=("created date", "created time", "创建日期", "录入时间"))
UPDATED = F("updated_at", ("最后更新时间", "更新时间"), "Updated", "datetime", system=True)


def _customer_ref() -> Field:
    return F("customer_id", ("客户编号", "客户ID", "客户id"), "Customer ID", "id", required=True,
             aliases=("customer", "customer id", "客户"))


TABLES: dict[str, Table] = {}

# The template's record modules in its order: one sheet each in `crm export all` and the blank template,
# what `crm import` reads, what a backup counts.
MODULES = ("customers", "contacts", "followups", "orders", "tickets", "needs", "tags")


def _add(t: Table) -> None:
    TABLES[t.name] = t


_add(Table("customers", "客户基本信息", "Customers", "customer_id", "C", (
    F("customer_id", ("客户编号", "客户ID", "客户id"), "Customer ID", "id", aliases=("id", "customer id", "客户代码")),
    F("kind", ("客户性质", "企业/个人"), "Kind", "label", KIND, aliases=("customer kind",)),
    F("name", ("客户全称", "客户名称", "公司名称", "企业名称", "客户姓名"), "Name", required=True,
      aliases=("company", "company name", "customer name", "account name", "account", "organization",
               "organization name", "company / account", "公司", "客户", "单位名称")),
    F("contact_name", ("联系人姓名", "联系人"), "Contact", aliases=("contact", "contact person", "contact name", "full name")),
    F("contact_title", ("联系人职位", "职位"), "Contact title", aliases=("title", "job title", "position")),
    F("phone", ("联系电话", "联系方式", "手机", "手机号", "电话"), "Phone", "phone",
      aliases=("mobile", "telephone", "tel", "phone number", "cell", "mobile phone", "business phone", "work phone",
               "primary phone", "phone 1", "contact phone", "手机号码", "联系手机", "电话号码", "固定电话", "座机",
               "联系人电话", "联系人手机")),
    F("email", ("联系邮箱", "邮箱", "电子邮箱"), "Email", "email",
      aliases=("e-mail", "mail", "email address", "e-mail address", "email 1", "work email", "contact email",
               "电子邮件", "邮件地址", "联系人邮箱")),
    F("industry", ("所属行业", "行业"), "Industry", aliases=("行业类型", "行业分类")),
    F("size", ("企业规模", "规模"), "Size", aliases=("company size", "employees", "no. of employees", "人员规模")),
    F("address", ("公司地址", "注册地址", "地址"), "Address", aliases=("street", "详细地址", "办公地址")),
    F("source", ("客户来源", "来源"), "Source", "label", SOURCE, aliases=("lead source", "客户来源渠道", "来源渠道")),
    F("customer_type", ("客户类型", "客户类别"), "Customer type", "label", CUSTOMER_TYPE, aliases=("type",)),
    F("status", ("合作状态", "客户状态", "状态"), "Status", "label", STATUS, aliases=("lead status",)),
    F("lost_reason", ("流失原因",), "Lost reason"),
    F("level", ("客户等级", "等级"), "Level", "label", LEVEL, aliases=("tier", "grade", "rating", "客户级别")),
    F("first_contact_date", ("首次接触时间", "首次接触日期"), "First contact", "date"),
    F("first_deal_date", ("初始合作时间", "首次合作时间", "首次成交时间"), "First deal", "date"),
    F("owner", ("负责人", "客户经理", "销售负责人"), "Owner",
      aliases=("account manager", "sales rep", "account owner", "lead owner", "销售", "业务员")),
    F("needs", ("需求背景", "关键需求", "需求与痛点", "需求"), "Needs"),
    F("budget", ("预算范围", "预算"), "Budget"),
    F("decision_cycle", ("决策周期",), "Decision cycle"),
    F("satisfaction", ("满意度评分", "满意度"), "Satisfaction", "int"),
    F("notes", ("备注",), "Notes", aliases=("note", "remarks", "comment", "description", "备注信息")),
    F("segment", ("客户分层", "分层"), "Segment", "label", SEGMENT, system=True, open=True),
    CREATED, UPDATED,
), aliases=("customer", "客户", "客户基本信息", "客户信息", "客户档案")))

_add(Table("contacts", "联系人", "Contacts", "contact_id", None, (
    F("contact_id", ("联系人编号",), "Contact ID", "int", system=True),
    _customer_ref(),
    F("name", ("姓名", "联系人姓名", "联系人"), "Name", required=True),
    F("role", ("联系人类型", "角色"), "Role", "label", CONTACT_ROLE),
    F("title", ("职位",), "Title"),
    F("phone", ("电话", "联系电话", "手机"), "Phone", "phone", aliases=("mobile",)),
    F("email", ("邮箱", "联系邮箱"), "Email", "email"),
    F("relation", ("关系",), "Relation"),
    F("preference", ("沟通偏好",), "Preference", "label", PREFERENCE),
    F("notes", ("备注",), "Notes"),
    CREATED, UPDATED,
), aliases=("contact", "联系人信息")))

_add(Table("followups", "跟进记录", "Follow-ups", "followup_id", "F", (
    F("followup_id", ("跟进编号", "记录编号"), "Follow-up ID", "id"),
    _customer_ref(),
    F("date", ("跟进时间", "跟进日期", "联系时间", "沟通时间"), "Date", "datetime", required=True),
    F("contact_name", ("对接人", "联系人"), "Contact"),
    F("method", ("跟进方式", "联系方式", "沟通方式"), "Method", "label", METHOD),
    F("type", ("跟进类型", "沟通类型"), "Type", "label", FOLLOWUP_TYPE),
    F("followed_by", ("跟进人", "负责人"), "By", aliases=("by", "owner", "follower")),
    F("participants", ("参与人员",), "Participants"),
    F("summary", ("沟通要点", "沟通内容", "跟进内容"), "Summary"),
    F("feedback", ("客户反馈",), "Feedback"),
    F("commitments", ("承诺事项",), "Commitments"),
    F("next_step", ("下一步计划", "下一步"), "Next step", aliases=("next",)),
    F("due_date", ("预计完成时间", "计划完成时间"), "Due", "date", aliases=("due",)),
    F("done", ("是否完成",), "Done", "bool"),
    CREATED, UPDATED,
), aliases=("followup", "follow-ups", "follow-up", "跟进", "客户关系维护记录", "客户联系记录")))

_add(Table("orders", "交易信息", "Orders", "order_id", "DD", (
    F("order_id", ("订单编号", "订单号", "交易编号"), "Order ID", "id"),
    _customer_ref(),
    F("date", ("下单日期", "交易日期", "订单日期", "成交日期"), "Date", "date", required=True),
    F("product", ("产品/服务", "购买产品", "产品", "产品名称"), "Product", aliases=("service", "item")),
    F("amount", ("金额", "交易金额", "订单金额", "金额(元)"), "Amount", "money", required=True, aliases=("total", "value")),
    F("tax_included", ("是否含税", "含税"), "Tax included", "bool", aliases=("tax",)),
    F("status", ("订单状态", "交易状态", "状态"), "Status", "label", ORDER_STATUS),
    F("owner", ("负责人", "销售"), "Owner"),
    F("notes", ("备注",), "Notes"),
    CREATED, UPDATED,
), aliases=("order", "交易", "订单", "交易信息", "交易记录")))

_add(Table("tickets", "服务信息", "Tickets", "ticket_id", "SR", (
    F("ticket_id", ("服务编号", "工单编号", "反馈编号"), "Ticket ID", "id"),
    _customer_ref(),
    F("date", ("请求时间", "反馈时间", "服务日期"), "Date", "datetime", required=True),
    F("type", ("服务类型", "反馈类型", "问题类型"), "Type", "label", TICKET_TYPE),
    F("channel", ("反馈渠道", "渠道"), "Channel", "label", CHANNEL),
    F("urgency", ("紧急程度", "优先级"), "Urgency", "label", URGENCY, aliases=("priority",)),
    F("description", ("问题描述", "反馈内容", "服务内容"), "Description"),
    F("status", ("处理状态", "状态"), "Status", "label", TICKET_STATUS),
    F("handler", ("处理人", "负责人"), "Handler"),
    F("plan", ("处理方案", "解决方案"), "Plan"),
    F("result", ("处理结果",), "Result"),
    F("satisfaction", ("满意度", "满意度评分", "客户满意度"), "Satisfaction", "int"),
    F("responded_at", ("响应时间", "首次响应时间"), "Responded", "datetime"),
    F("closed_at", ("关闭时间", "完成时间"), "Closed", "datetime"),
    CREATED, UPDATED,
), aliases=("ticket", "service", "feedback", "服务", "工单", "服务信息", "客户反馈跟踪", "客户反馈与投诉", "反馈")))

_add(Table("needs", "客户需求", "Needs", "need_id", "D", (
    F("need_id", ("需求编号",), "Need ID", "id"),
    _customer_ref(),
    F("date", ("提出日期", "登记日期"), "Date", "date"),
    F("type", ("需求类型",), "Type", "label", NEED_TYPE),
    F("description", ("需求描述", "需求内容"), "Description"),
    F("budget", ("预算范围", "预算"), "Budget"),
    F("expected_delivery", ("期望交付时间", "期望交付"), "Expected delivery", "date"),
    F("stage", ("跟进阶段", "阶段"), "Stage", "label", NEED_STAGE),
    F("department", ("负责部门", "部门"), "Department"),
    F("owner", ("负责人",), "Owner"),
    F("expected_close_date", ("预计成交时间", "预计成交日期"), "Expected close", "date"),
    CREATED, UPDATED,
), aliases=("need", "opportunities", "需求", "客户需求", "客户需求与跟进表", "商机")))

_add(Table("tags", "标签管理", "Tags", "tag", None, (
    _customer_ref(),
    F("tag", ("标签", "客户标签"), "Tag", required=True),
    F("tag_group", ("标签分类", "标签类型"), "Tag group", "label", TAG_GROUP, aliases=("group",)),
    F("updated_at", ("更新日期", "更新时间"), "Updated", "datetime", system=True),
), aliases=("tag", "标签", "标签管理", "客户分类与标签")))

# Figures the segment rules read, rebuilt by `crm segment run` (crmcli.segments.metrics).
# Filters reach them as a module: `crm query metrics.yearly_amount>500000 metrics.复购率>=80%`.
_add(Table("customer_metrics", "客户指标", "Customer metrics", "customer_id", None, (
    _customer_ref(),
    F("as_of", ("统计日期",), "As of", "date", system=True),
    F("yearly_amount", ("年度金额", "年金额", "近一年金额"), "Yearly amount", "money", system=True),
    F("orders_365d", ("年度订单数", "近一年订单数"), "Orders (365 d)", "int", system=True, aliases=("orders",)),
    F("active_months", ("活跃月数", "购买月数"), "Active months", "int", system=True),
    F("repurchase_rate", ("复购率",), "Repurchase rate", "number", system=True, aliases=("repurchase",)),
    F("prev_year_amount", ("上年金额", "上一年金额"), "Previous year amount", "money", system=True),
    F("growth", ("增长率", "年增长率"), "Growth", "number", system=True),
    F("deals", ("成交订单数", "成交数"), "Deals", "int", system=True),
    F("last_order", ("最近下单日期", "最近下单"), "Last order", "date", system=True),
    F("last_followup", ("最近跟进日期", "最近跟进"), "Last follow-up", "date", system=True),
    F("last_ticket", ("最近服务日期",), "Last ticket", "date", system=True),
    F("last_interaction", ("最近互动日期", "最近互动"), "Last interaction", "date", system=True),
    F("days_since_followup", ("距上次跟进天数", "未跟进天数"), "Days since follow-up", "int", system=True),
    F("days_since_interaction", ("距上次互动天数", "未互动天数"), "Days since interaction", "int", system=True,
      aliases=("idle_days",)),
    F("avg_satisfaction", ("平均满意度",), "Average satisfaction", "number", system=True),
), aliases=("metrics", "metric", "指标", "客户指标", "分层指标")))


def plain_fold(text: str) -> str:
    """fold() without the script step: for the registry's own names, which are Simplified already
    (tests/test_i18n.py checks that fold() leaves every one of them unchanged)."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def fold(text: str) -> str:
    """Comparison form of a name or label: width-folded, case-folded, no spaces, Simplified script
    (客戶類型 and 客户类型 fold alike; OpenCC is loaded only for text with CJK characters)."""
    key = plain_fold(text)
    if key.isascii():
        return key
    from crmcli.i18n.script import simplified

    return simplified(key)


def _lookup(index: dict[str, _V], text: str) -> _V | None:
    """INDEX (keyed by fold) at TEXT; a Traditional text that misses gets a second try in mainland phrasing."""
    hit = index.get(fold(text))
    if hit is None and not str(text).isascii():
        from crmcli.i18n.script import mainland

        hit = index.get(fold(mainland(plain_fold(text))))
    return hit


def shown_table(t: Table | str) -> str:
    """A module as a message names it: `followups` under en, 跟进记录 / 跟進記錄 under zh."""
    t = t if isinstance(t, Table) else table(t)
    lang = get_lang()
    return t.name if lang == "en" else t.label_zh(lang)


def shown_record(t: Table | str) -> str:
    """One record of a module as a message names it: `followup` under en, 跟进记录 under zh."""
    t = t if isinstance(t, Table) else table(t)
    lang = get_lang()
    return (t.name[:-1] if t.name.endswith("s") else t.name) if lang == "en" else t.label_zh(lang)


def shown_field(f: Field) -> str:
    """A field as a message names it: `phone` under en, 联系电话（phone） under zh (the name still works in --set)."""
    lang = get_lang()
    return f.name if lang == "en" else f"{f.label(lang)}（{f.name}）"


def _did_you_mean(word: str, options: list[str], shown: Callable[[str], str] | None = None) -> str:
    """' (did you mean a, b?)' for the OPTIONS close to WORD; SHOWN names each in the reader's language."""
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.5)
    if not close:
        close = [o for o in options if fold(word) in fold(o)][:3]
    if shown is not None:
        close = list(dict.fromkeys(shown(o) for o in close))
    sep = ", " if get_lang() == "en" else "、"
    return _(" (did you mean {options}?)").format(options=sep.join(close)) if close else ""


_TABLE_INDEX: dict[str, str] = {}
for _t in TABLES.values():
    for _name in (_t.name, _t.zh, _t.en, *_t.aliases):
        _TABLE_INDEX.setdefault(plain_fold(_name), _t.name)


def table(name: str) -> Table:
    """Resolve a table by its English name, Chinese name or alias."""
    key = _lookup(_TABLE_INDEX, name)
    if key is None:
        raise InvalidValue(_("unknown table '{name}'{hint}; tables: {tables}").format(
            name=name, hint=_did_you_mean(name, list(TABLES), shown_table),
            tables=", ".join(TABLES) if get_lang() == "en" else "、".join(shown_table(t) for t in TABLES)))
    return TABLES[key]


def _field_index(t: Table) -> dict[str, Field]:
    idx: dict[str, Field] = {}
    for f in t.fields:  # English names win over labels shared by two fields
        idx[plain_fold(f.name)] = f
    for f in t.fields:
        for name in (*f.zh, f.en, *f.aliases):
            idx.setdefault(plain_fold(name), f)
    return idx


_FIELD_INDEX = {name: _field_index(t) for name, t in TABLES.items()}


def find_field(tbl: str | Table, name: str) -> Field | None:
    t = tbl if isinstance(tbl, Table) else table(tbl)
    return _lookup(_FIELD_INDEX[t.name], name)


def get_field(tbl: str | Table, name: str) -> Field:
    """Resolve a field by English name, Chinese label or alias, or fail with did-you-mean."""
    t = tbl if isinstance(tbl, Table) else table(tbl)
    f = find_field(t, name)
    if f is None:
        options = [f.name for f in t.fields] + [z for f in t.fields for z in f.zh]
        raise InvalidValue(_("unknown field '{name}' in {table}{hint}").format(
            name=name, table=shown_table(t), hint=_did_you_mean(name, options, lambda o: shown_field(find_field(t, o) or t.fields[0]))))
    return f


_LABEL_INDEX: dict[int, dict[str, str]] = {}


def _label_index(f: Field) -> dict[str, str]:
    idx = _LABEL_INDEX.get(id(f))
    if idx is None:
        idx = {}
        for lab in f.labels:
            for name in (lab.value, lab.zh, lab.en, *lab.aliases):
                idx.setdefault(plain_fold(name), lab.value)
        _LABEL_INDEX[id(f)] = idx
    return idx


def canonical(f: Field, value: str) -> str:
    """The stored value of a fixed label given any of its labels or aliases, in either script."""
    found = _lookup(_label_index(f), value)
    if found is not None:
        return found
    if f.open:
        return " ".join(str(value).split())
    lang = get_lang()
    allowed = [f"{lab.value} ({lab.zh})" if lang == "en" else zh_text(lab.zh, lang) for lab in f.labels]
    options = [lab.value for lab in f.labels] + [lab.zh for lab in f.labels]
    raise InvalidValue(_("invalid {field} '{value}'{hint}; allowed: {allowed}").format(
        field=shown_field(f), value=value,
        hint=_did_you_mean(value, options, None if lang == "en" else lambda o: zh_text(o, lang)),
        allowed=(", " if lang == "en" else "、").join(allowed)))


def display(f: Field, value: object, lang: str) -> object:
    """What a person reads for a stored value: the label in their language."""
    if value is None:
        return None
    if f.labels:
        for lab in f.labels:
            if lab.value == value:
                return lab.en if lang == "en" else zh_text(lab.zh, lang)
    if f.type == "bool" and value in (0, 1):
        return ("yes" if value else "no") if lang == "en" else zh_text("是" if value else "否", lang)
    if f.type == "phone" and isinstance(value, str) and value[:1] == "+":  # E.164, read as +852 2345 6789
        from crmcli.normalize import format_phone

        return format_phone(value)
    return value
