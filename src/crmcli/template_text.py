"""The blank template's words and shape: sheet titles, the columns a person fills, which are required,
the dropdown choices, and the text of the instructions sheet (说明) that crmcli.workbook writes.

Its rules are the template's own (TEMPLATE.md, "Rules the seeds state"), and its
field table is generated from the field registry, so it never disagrees with
what `crm import` accepts. The importer skips this sheet by its name (SHEET).

Languages: en, zh, and zh-Hant, whose words are the zh ones in Traditional (OpenCC s2twp, as every
label under zh-Hant), so the sheet names and headers are what `crm import` reads back.
"""

from __future__ import annotations

from typing import TypeVar

from crmcli import fields
from crmcli.i18n import zh_text

SHEET = {"zh": "说明", "zh-Hant": "說明", "en": "Instructions"}
_T = TypeVar("_T", str, list[str])


def words(table: dict[str, _T], lang: str) -> _T:
    """TABLE's text in LANG: zh-Hant is the zh text in Traditional characters."""
    if lang == "en":
        return table["en"]
    text = table["zh"]
    return zh_text(text, lang) if isinstance(text, str) else [zh_text(line, lang) for line in text]

RULES = {
    "zh": [
        "客户信息模板 填写说明",
        "",
        "1. 每个工作表对应一个模块：「客户基本信息」是主表；"
         "联系人、跟进记录、交易信息、服务信息、客户需求、标签管理通过「客户编号」关联到客户。",
        "2. 第一行是表头，请勿修改或删除；从第二行起每行一条记录。红色表头为必填项。",
        "3. 客户必须填写客户全称，以及联系电话或联系邮箱至少一项。",
        "4. 客户编号可留空，由系统生成（C + 年月日 + 3 位序号，如 C20240520001）；"
         "已有编号（如 C2024001、CRM-2024-001）原样保留。"
         "同一客户在各系统中保持同一编号。",
        "5. 客户全称填写注册全称，不用简称，“某公司”不是有效名称。"
         "一客一档：同一客户只建一条记录（系统按名称和联系方式查重合并）。",
        "6. 日期格式为 YYYY-MM-DD（如 2024-05-20），时间格式为 YYYY-MM-DD HH:MM。",
        "7. 手机号为 11 位数字；座机为 区号-号码（如 010-62345678）。境外号码写 + 和国家或地区代码（如 +852 2345 6789）；"
         "台湾手机号（09 开头的 10 位数字）可直接填写，港澳台的其他本地号码需先设定地区（`crm config set region HK`，"
         "或 MO、TW）。",
        "8. 分类字段只能从下拉列表选择固定选项（数据验证）。",
        "9. 金额单位为元，可填 120000 或 12万；满意度为 1 到 5 的整数；是否类字段填 是 或 否。",
        "10. 客户由“潜在”转为“意向”时，须有明确需求并已确认预算。",
        "11. 隐私：导出时电话和邮箱中间部分会被遮盖（如 138****5678），遮盖后的号码不能再导入；"
         "导出完整号码需明确操作（--unmask），并记入操作日志。",
        "12. 以 = + - @ 开头的文本导出时前面会加一个单引号 '，防止被表格软件当作公式执行；导入时会自动去掉这个单引号。",
        "",
        "字段说明",
    ],
    "en": [
        "Customer template: how to fill it in",
        "",
        "1. One sheet per module: Customers is the main table; contacts, follow-ups, orders, tickets, needs and "
         "tags refer to a customer by Customer ID.",
        "2. Row 1 is the header: do not change or delete it; one record per row from row 2. Red headers are required.",
        "3. A customer needs its full name and at least a phone or an email.",
        "4. Customer ID may be left empty: the system generates C + date + 3-digit serial (C20240520001); existing "
         "ids (C2024001, CRM-2024-001) are kept as given. A customer keeps the same id in every system.",
        "5. Use the registered full name, no abbreviations. One customer, one record (duplicates by name and "
         "contact details get merged).",
        "6. Dates are YYYY-MM-DD (2024-05-20); date-times YYYY-MM-DD HH:MM.",
        "7. Mobile numbers have 11 digits; landlines are area code-number (010-62345678). Numbers outside the "
         "mainland start with + and the country code (+852 2345 6789); a Taiwan mobile (10 digits starting 09) "
         "may be written as is, other local numbers of Hong Kong, Macau or Taiwan after `crm config set region HK` "
         "(or MO, TW).",
        "8. Classification columns take the fixed values of their dropdown only (data validation).",
        "9. Amounts in yuan (120000 or 12万); satisfaction is a whole number 1 to 5; yes/no columns take yes "
         "or no.",
        "10. A customer moves from Potential to Intent only with a clear need and a confirmed budget.",
        "11. Privacy: exports mask phones and emails (138****5678), and masked values cannot be imported back;"
         " a full export needs --unmask and is recorded in the operation log.",
        "12. Text starting with = + - @ gets a leading ' on export so a spreadsheet never runs it as a formula;"
         " import removes that quote again.",
        "",
        "Fields",
    ],
}

HEADS = {"zh": ["工作表", "列名", "字段", "必填", "格式", "可选值"],
          "en": ["Sheet", "Column", "Field", "Required", "Format", "Allowed values"]}
_TYPES = {
    "text": {"zh": "文本", "en": "text"},
    "id": {"zh": "编号", "en": "id"},
    "date": {"zh": "日期 YYYY-MM-DD", "en": "date YYYY-MM-DD"},
    "datetime": {"zh": "日期时间 YYYY-MM-DD HH:MM", "en": "date-time YYYY-MM-DD HH:MM"},
    "phone": {"zh": "手机 11 位，或 区号-号码", "en": "11-digit mobile, or area code-number"},
    "email": {"zh": "邮箱 name@example.com", "en": "email name@example.com"},
    "money": {"zh": "金额（元）", "en": "amount in yuan"},
    "int": {"zh": "整数 1–5", "en": "whole number 1-5"},
    "bool": {"zh": "是 / 否", "en": "yes / no"},
    "label": {"zh": "下拉选择", "en": "from the dropdown"},
}


def sheet_title(t: fields.Table, lang: str) -> str:
    return (t.en if lang == "en" else t.label_zh(lang))[:31]


def choices(f: fields.Field, lang: str) -> list[str] | None:
    """The dropdown values of a column: fixed labels, yes/no; None for free columns."""
    if f.labels:
        return [lab.en if lang == "en" else zh_text(lab.zh, lang) for lab in f.labels]
    if f.type == "bool":
        return ["yes", "no"] if lang == "en" else ["是", "否"]
    return None


def is_required(f: fields.Field) -> bool:
    return f.required or (f.table == "customers" and f.name == "name")


def template_columns(t: fields.Table) -> list[str]:
    """Columns a person fills in: everything but what the system keeps."""
    return [f.name for f in t.fields if not f.system]



def field_rows(lang: str) -> list[list[str]]:
    """One row per column of the template: sheet, header, field name, required, format, allowed values."""
    zh = lang != "en"
    types = {kind: words(texts, lang) for kind, texts in _TYPES.items()}
    out = []
    for name in fields.MODULES:
        t = fields.TABLES[name]
        for col in template_columns(t):
            f = t.by_name[col]
            kind = types[f.type]
            if f.name == t.key and t.id_prefix:
                kind += (zh_text(f"（留空自动生成：{t.id_prefix}+年月日+序号）", lang) if zh
                         else f" (empty: generated, {t.id_prefix}+date+serial)")
            elif f.name == "customer_id":
                kind += zh_text("（已有客户的编号）", lang) if zh else " (an existing customer's id)"
            required = ("是" if zh else "yes") if is_required(f) else ""
            out.append([sheet_title(t, lang), f.label(lang), f.name, required, kind,
                        ("、" if zh else ", ").join(choices(f, lang) or [])])
    return out
