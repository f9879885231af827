"""A deterministic, realistic Chinese demo data set for an empty crmcli database.

`build(conn)` fills a database made by `crmcli.db.create` with companies, people,
follow-ups, orders, service tickets, needs, tags and status history. Everything is
drawn from `random.Random(seed)` and dated relative to `today`, so the same seed and
day always give byte-identical data and "the last 3 months" always finds rows.

Some customers are planted so the template's example queries and the analysis
features have something to find (their ids depend on `today`, so look them up by
query, never by id):
  * returning customers with a recent order >= 50,000 and a ticket rated >= 4;
  * customers followed up by a 经理 and tagged 重点维护;
  * churn candidates (orders, no follow-up in 90 days), high-value repeat buyers,
    and prospects with a clear need and budget but no order;
  * duplicate clusters for de-duplication (`DUPLICATE_CLUSTERS`,
    `duplicate_clusters(conn)`) and hard negatives that must stay apart
    (`HARD_NEGATIVES`, `hard_negatives(conn)`).
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from crmcli import audit
from crmcli.i18n import _

MIN_CUSTOMERS = 60
OWNERS = ("张伟", "李娜", "王强", "刘洋", "陈静")
HANDLERS = ("赵敏", "孙丽", "周杰", "吴磊", "郑浩")
SIZES = ("20人以下", "20-100人", "100-500人", "500-1000人", "1000人以上")
SURNAMES = (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
            ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
            ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"))
GIVEN = (("伟", "wei"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("磊", "lei"), ("洋", "yang"),
         ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"),
         ("超", "chao"), ("秀英", "xiuying"), ("晓东", "xiaodong"), ("建国", "jianguo"), ("丽华", "lihua"),
         ("志强", "zhiqiang"), ("海燕", "haiyan"), ("俊杰", "junjie"), ("雪梅", "xuemei"), ("文博", "wenbo"),
         ("欣怡", "xinyi"), ("子涵", "zihan"), ("宇航", "yuhang"), ("佳琪", "jiaqi"), ("浩然", "haoran"))
TITLES_MAIN = ("采购经理", "总经理", "IT主管", "行政总监", "运营总监", "信息中心主任", "副总经理", "采购主管")
TITLES_OTHER = ("财务经理", "技术负责人", "项目经理", "采购专员", "法务专员", "部门经理", "总经理助理")
RELATIONS = ("决策人", "采购对接", "技术对接", "财务对接", "使用部门负责人")
# (city, pinyin, area code, province prefix, districts, municipality)
CITIES = (("北京", "bj", "010", "北京市", ("海淀区", "朝阳区", "东城区", "丰台区"), True),
          ("上海", "sh", "021", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区"), True),
          ("深圳", "sz", "0755", "广东省深圳市", ("南山区", "福田区", "宝安区", "龙岗区"), False),
          ("广州", "gz", "020", "广东省广州市", ("天河区", "越秀区", "番禺区", "黄埔区"), False),
          ("杭州", "hz", "0571", "浙江省杭州市", ("西湖区", "滨江区", "余杭区", "拱墅区"), False),
          ("南京", "nj", "025", "江苏省南京市", ("鼓楼区", "玄武区", "江宁区", "建邺区"), False),
          ("苏州", "su", "0512", "江苏省苏州市", ("工业园区", "姑苏区", "吴中区", "虎丘区"), False),
          ("成都", "cd", "028", "四川省成都市", ("武侯区", "锦江区", "高新区", "青羊区"), False),
          ("武汉", "wh", "027", "湖北省武汉市", ("洪山区", "江汉区", "武昌区", "东湖高新区"), False),
          ("西安", "xa", "029", "陕西省西安市", ("雁塔区", "碑林区", "未央区", "高新区"), False),
          ("天津", "tj", "022", "天津市", ("和平区", "南开区", "滨海新区", "河西区"), True),
          ("重庆", "cq", "023", "重庆市", ("渝中区", "江北区", "九龙坡区", "南岸区"), True))
STREETS = ("中关村大街", "科技园路", "建设路", "人民路", "解放路", "中山路", "长江路", "高新大道", "创业路",
           "滨江大道", "金融街", "学府路", "工业大道", "软件园路")
ZIHAO = (("恒通", "hengtong"), ("天成", "tiancheng"), ("金石", "jinshi"), ("长风", "changfeng"),
         ("新锐", "xinrui"), ("宏达", "hongda"), ("汇智", "huizhi"), ("海纳", "haina"), ("联创", "lianchuang"),
         ("万象", "wanxiang"), ("鼎盛", "dingsheng"), ("锦程", "jincheng"), ("星辰", "xingchen"),
         ("凯越", "kaiyue"), ("嘉禾", "jiahe"), ("中科", "zhongke"), ("永安", "yongan"), ("盛世", "shengshi"),
         ("东方", "dongfang"), ("华宇", "huayu"), ("明德", "mingde"), ("睿智", "ruizhi"), ("蓝海", "lanhai"),
         ("银河", "yinhe"), ("志远", "zhiyuan"), ("卓越", "zhuoyue"), ("泰和", "taihe"), ("安信", "anxin"),
         ("富春", "fuchun"), ("德盛", "desheng"), ("弘毅", "hongyi"), ("信达", "xinda"), ("国泰", "guotai"),
         ("天润", "tianrun"), ("优品", "youpin"), ("精工", "jinggong"), ("众诚", "zhongcheng"),
         ("润泽", "runze"), ("和光", "heguang"), ("青云", "qingyun"), ("远航", "yuanhang"), ("北辰", "beichen"),
         ("华美", "huamei"), ("同创", "tongchuang"), ("合力", "heli"), ("齐心", "qixin"), ("正元", "zhengyuan"),
         ("思源", "siyuan"), ("康泰", "kangtai"), ("朗润", "langrun"), ("明辉", "minghui"), ("鑫源", "xinyuan"),
         ("立信", "lixin"), ("瑞达", "ruida"), ("华腾", "huateng"), ("中恒", "zhongheng"), ("天瑞", "tianrui"))
# GB/T 4754 section -> (industry word in the name, domain tag), with a weight
INDUSTRIES: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "信息传输、软件和信息技术服务业": (6, (("科技", "tech"), ("网络技术", "net"), ("软件", "soft"),
                                       ("信息技术", "it"), ("数据科技", "data"))),
    "制造业": (6, (("电子", "elec"), ("机械", "mach"), ("精密制造", "precision"), ("新材料", "material"),
                  ("汽车零部件", "auto"))),
    "批发和零售业": (4, (("商贸", "trade"), ("贸易", "trading"), ("供应链管理", "scm"))),
    "金融业": (2, (("资产管理", "am"), ("保险代理", "ins"))),
    "建筑业": (2, (("建设工程", "build"), ("建筑装饰", "deco"))),
    "交通运输、仓储和邮政业": (2, (("物流", "logistics"), ("仓储服务", "storage"))),
    "教育": (1, (("教育咨询", "edu"), ("职业技能培训", "training"))),
    "卫生和社会工作": (1, (("健康管理", "health"), ("医院管理", "hospital"))),
    "租赁和商务服务业": (2, (("企业管理咨询", "consult"), ("会展服务", "expo"), ("人力资源", "hr"))),
    "科学研究和技术服务业": (1, (("检测技术", "testing"), ("工程设计", "design"))),
    "房地产业": (1, (("物业管理", "property"), ("置业", "estate"))),
    "住宿和餐饮业": (1, (("餐饮管理", "catering"), ("酒店管理", "hotel"))),
}
LEGAL = (("有限公司", 6), ("股份有限公司", 2), ("有限责任公司", 2), ("集团有限公司", 1))
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189", "199")
PRODUCTS = (("CRM系统标准版授权", 20_000, 120_000), ("ERP实施服务", 50_000, 300_000),
            ("云服务器年费", 5_000, 60_000), ("数据分析平台订阅", 10_000, 80_000),
            ("技术运维服务(年)", 8_000, 50_000), ("定制开发服务", 30_000, 250_000),
            ("硬件设备采购", 10_000, 200_000), ("员工培训服务", 2_000, 30_000),
            ("系统集成项目", 60_000, 300_000), ("SaaS年度订阅", 3_000, 40_000))
LOST_REASONS = ("价格因素，转向竞争对手", "项目预算取消", "服务响应不及时", "公司业务调整", "联系人离职，关系中断")
NEEDS_TEXT = ("现有系统数据分散，希望统一客户档案", "销售过程不透明，需要跟进记录和提醒",
              "需要对接现有ERP，实现订单自动同步", "希望私有化部署，满足数据合规要求",
              "门店扩张，需要统一的会员管理", "售后工单响应慢，需要服务SLA管理")
BUDGETS = ("5万以内", "5-10万", "10-20万", "20-50万", "50万以上")
DECISION = ("1个月内", "1-3个月", "3-6个月", "半年以上")
DEPARTMENTS = ("销售部", "大客户部", "解决方案部", "技术部")
SUMMARY = ("介绍产品功能并了解现有流程", "确认需求范围和上线时间", "讨论报价及付款方式", "合同条款沟通",
           "季度回访，了解使用情况", "演示新版本功能", "处理续费事宜", "了解竞品对比情况")
FEEDBACK = ("对方案整体满意", "认为价格偏高", "希望增加定制功能", "需内部评估后答复", "使用顺畅，无明显问题",
            "对响应速度有意见")
NEXT_STEPS = ("发送正式报价单", "安排技术演示", "提交合同草稿", "上门拜访决策人", "跟进付款进度", "组织用户培训")
TICKET_TEXT = ("系统登录异常", "报表导出数据不一致", "咨询新功能使用方法", "设备故障需上门维修", "对客服响应速度不满",
               "建议增加移动端功能", "表扬实施团队服务专业", "发票信息需更正", "接口调用超时")
TAGS_RANDOM = (("重点跟进", "other"), ("价格敏感", "behaviour"), ("定期采购", "behaviour"),
               ("决策链长", "behaviour"), ("线上活跃", "behaviour"), ("战略客户", "source"), ("展会获客", "source"),
               ("老客户转介绍", "source"), ("IT行业", "industry"), ("智能制造", "industry"),
               ("ERP需求", "need"), ("数据分析需求", "need"), ("私有化部署", "need"), ("高风险", "other"))
LABELS = {  # canonical values drawn for coverage, then at random
    "source": ("exhibition", "referral", "online_ads", "outbound", "inquiry", "website", "data_platform", "other"),
    "level": ("vip", "normal", "promising", "churned", "high", "medium", "low"),
    "preference": ("phone", "email", "wechat", "sms", "visit"),
    "method": ("phone", "email", "visit", "online_meeting", "wechat"),
    "ftype": ("first_contact", "need_followup", "contract", "maintenance", "other"),
    "ttype": ("product_inquiry", "tech_support", "complaint_suggestion", "repair", "complaint", "suggestion",
              "praise", "inquiry"),
    "channel": ("phone", "email", "survey", "online_chat"),
    "tstatus": ("closed", "done", "pending", "in_progress", "needs_followup"),
    "ntype": ("product_inquiry", "customization", "partnership"),
    "stage": ("confirming", "proposal", "quotation", "won", "dropped"),
}

# Duplicate clusters (true duplicates) and hard negatives, by exact stored name.
# Each entry: name, kind, industry, phone, email.
_DUP_ROWS: tuple[tuple[tuple[str, str, str | None, str, str | None], ...], ...] = (
    (("北京华信科技有限公司", "enterprise", "信息传输、软件和信息技术服务业", "13810012345", "contact@huaxin-tech.com"),
     ("华信科技(北京)有限公司", "enterprise", "信息传输、软件和信息技术服务业", "010-62881234", "contact@huaxin-tech.com"),
     ("北京華信科技有限責任公司", "enterprise", "信息传输、软件和信息技术服务业", "13810012345", None)),
    (("ABC（中国）有限公司", "enterprise", "批发和零售业", "021-52306688", "service@abc-china.com"),
     ("ABC(中国)有限公司", "enterprise", "批发和零售业", "021-52306688", "info@abc-china.com")),
    (("杭州云帆网络技术有限公司", "enterprise", "信息传输、软件和信息技术服务业", "13957112233", "hr@yunfan-net.com"),
     ("杭州云凡网络技术有限公司", "enterprise", "信息传输、软件和信息技术服务业", "13957112233", None)),
    (("深圳市鹏程电子股份有限公司", "enterprise", "制造业", "0755-86651234", "sales@pengcheng-elec.com"),
     ("深圳鹏程电子股份有限公司", "enterprise", "制造业", "13602345678", "sales@pengcheng-elec.com")),
    (("广州市瑞丰贸易有限公司", "enterprise", "批发和零售业", "020-38765432", "ruifeng@ruifeng-trade.com"),
     ("瑞丰贸易（广州）有限公司", "enterprise", "批发和零售业", "020-38765432", None),
     ("广州瑞丰贸易有限公司", "enterprise", "批发和零售业", "13922001122", "ruifeng@ruifeng-trade.com")),
    (("陈思远", "individual", None, "18612345678", "chensiyuan@163.com"),
     ("陈思远", "individual", None, "18612345678", None)),
)
_NEG_ROWS = (
    ("上海华信科技有限公司", "enterprise", "信息传输、软件和信息技术服务业", "021-64501234", "office@shhuaxin.com"),
    ("北京博远企业管理咨询有限公司", "enterprise", "租赁和商务服务业", "010-82861000", "info@boyuan-consult.com"),
    ("北京启明教育咨询有限公司", "enterprise", "教育", "010-82861000", "contact@qiming-edu.com"),
)
DUPLICATE_CLUSTERS: tuple[tuple[str, ...], ...] = tuple(tuple(dict.fromkeys(r[0] for r in c)) for c in _DUP_ROWS)
HARD_NEGATIVES: tuple[str, ...] = tuple(r[0] for r in _NEG_ROWS)
_RESERVED = {"华信", "云帆", "云凡", "鹏程", "瑞丰", "博远", "启明"}


def _ids_by_name(conn: sqlite3.Connection, names: tuple[str, ...]) -> list[str]:
    marks = ",".join("?" * len(names))
    return [r[0] for r in conn.execute(
        f"SELECT customer_id FROM customers WHERE name IN ({marks}) ORDER BY customer_id", names)]


def duplicate_clusters(conn: sqlite3.Connection) -> list[list[str]]:
    """Ground truth: the customer ids of each true duplicate cluster in the demo set."""
    return [ids for c in DUPLICATE_CLUSTERS if len(ids := _ids_by_name(conn, c)) > 1]


def hard_negatives(conn: sqlite3.Connection) -> list[list[str]]:
    """Pairs that look alike but are different customers and must not be merged:
    [上海华信 vs each 北京华信 cluster member] and [the two companies sharing a switchboard]."""
    sh = _ids_by_name(conn, HARD_NEGATIVES[:1])
    return [sh + _ids_by_name(conn, DUPLICATE_CLUSTERS[0]), _ids_by_name(conn, HARD_NEGATIVES[1:])]


class _Gen:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.serial: dict[tuple[str, str], int] = defaultdict(int)
        self.unused = {k: list(v) for k, v in LABELS.items()}
        self.phones: set[str] = {r[3] for c in _DUP_ROWS for r in c} | {r[3] for r in _NEG_ROWS}
        self.names: set[str] = set(HARD_NEGATIVES) | {n for c in DUPLICATE_CLUSTERS for n in c}
        self.cores: set[str] = set()
        self.pending = False
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)

    # -- helpers
    def pick(self, key: str) -> str:
        """Every canonical value of LABELS[key] once first, then at random."""
        left = self.unused[key]
        return left.pop(0) if left else self.rng.choice(LABELS[key])

    def day(self, lo: int, hi: int) -> date:
        """A day between lo and hi days ago (inclusive)."""
        return self.today - timedelta(days=self.rng.randint(min(lo, hi), max(lo, hi)))

    def at(self, d: date, h0: int = 9, h1: int = 18) -> datetime:
        return datetime(d.year, d.month, d.day, self.rng.randint(h0, h1 - 1), self.rng.randint(0, 59),
                        self.rng.randint(0, 59))

    def new_id(self, prefix: str, d: date) -> str:
        stamp = d.strftime("%Y%m%d")
        self.serial[prefix, stamp] += 1
        return f"{prefix}{stamp}{self.serial[prefix, stamp]:03d}"

    def person(self) -> tuple[str, str]:
        s, g = self.rng.choice(SURNAMES), self.rng.choice(GIVEN)
        return s[0] + g[0], s[1] + g[1]

    def mobile(self) -> str:
        while True:
            p = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def landline(self, code: str) -> str:
        while True:
            p = f"{code}-{self.rng.randint(5, 8)}{self.rng.randrange(10**7):07d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def company(self) -> tuple[str, str, str, tuple[Any, ...]]:
        """(name, industry, email domain, city) with a name core used nowhere else."""
        sections = list(INDUSTRIES)
        weights = [INDUSTRIES[s][0] for s in sections]
        for attempt in range(200):
            city = self.rng.choice(CITIES)
            industry = self.rng.choices(sections, weights)[0]
            word, tag = self.rng.choice(INDUSTRIES[industry][1])
            zh, py = self.rng.choice(ZIHAO)
            core = zh + word
            if core in self.cores and attempt < 150:
                continue
            self.cores.add(core)
            legal = self.rng.choices([x[0] for x in LEGAL], [x[1] for x in LEGAL])[0]
            prefix = city[0] + ("市" if not city[5] and self.rng.random() < 0.5 else "")
            name = prefix + core + legal
            if name in self.names:
                continue
            self.names.add(name)
            domain = f"{py}-{tag}.com" if attempt < 150 else f"{city[1]}{py}-{tag}.com"
            return name, industry, domain, city
        raise RuntimeError("could not find an unused company name")

    def address(self, city: tuple[Any, ...]) -> str:
        return (f"{city[3]}{self.rng.choice(city[4])}{self.rng.choice(STREETS)}{self.rng.randint(1, 999)}号"
                + self.rng.choice(("", "", f"{self.rng.randint(2, 30)}层", f"{self.rng.choice('ABCD')}座")))


def _dt(x: datetime) -> str:
    return x.isoformat(" ")


_ROLE_COUNTS = (("a", 8), ("b", 8), ("churn", 14), ("hv", 4), ("need", 6))
_TYPE_STATUS = {"new": (("active", 5), ("intent", 3)), "returning": (("active", 8), ("at_risk", 2)),
                "high_value": (("active", 1),), "potential": (("potential", 6), ("intent", 4)),
                "lost": (("lost", 1),)}
_PATHS = {"potential": (), "intent": ("potential", "intent"), "active": ("potential", "intent", "active"),
          "at_risk": ("potential", "intent", "active", "at_risk"),
          "lost": ("potential", "intent", "active", "lost")}


@dataclass
class _Cust:
    """One generated customer, as the per-module row makers need it."""

    cid: str
    role: str | None
    status: str
    kind: str
    created: date
    span: int
    person: str
    person_py: str
    title: str | None
    phone: str
    email: str | None
    domain: str
    owner: str
    needs: str | None
    budget: str | None
    orders: list[tuple[date, str, float, str]]


def _customer(g: _Gen, spec: tuple[Any, ...] | None, role: str | None) -> None:
    rng, today = g.rng, g.today
    ctype, status = _type_and_status(g, role)
    buys = status in ("active", "at_risk", "lost")
    created = g.day(400, 1090) if buys else g.day(20, 700)
    cid = g.new_id("C", created)
    name, kind, industry, phone, email, domain, city, person, person_py = _identity(g, spec)
    ent = kind == "enterprise"
    title = rng.choice(TITLES_MAIN) if ent else None
    needs = budget = None
    if role == "need" or (status in ("intent", "potential") and rng.random() < 0.5):
        needs, budget = rng.choice(NEEDS_TEXT), rng.choice(BUDGETS)
    owner = rng.choice(OWNERS)
    orders = _orders(g, role, buys, created)
    first_deal = orders[0][0].isoformat() if orders else None
    sat = rng.randint(1, 5) if rng.random() < 0.5 else None
    level = g.pick("level") if rng.random() < 0.8 else None
    if status == "lost":
        level = "churned" if rng.random() < 0.6 else "low"
    elif level == "churned":
        level = rng.choice(("normal", "medium"))
    updated = min(today, created + timedelta(days=rng.randint(1, 400)))
    g.rows["customers"].append((
        cid, kind, name, person, title, phone, email, industry,
        rng.choice(SIZES) if ent else None, g.address(city), g.pick("source"), ctype, status,
        rng.choice(LOST_REASONS) if status == "lost" else None, level, created.isoformat(), first_deal, owner,
        needs, budget, rng.choice(DECISION) if needs else None, sat,
        rng.choice((None, None, "年底集中采购", "需开具增值税专用发票", "对接人周三下午方便")),
        _dt(g.at(created)), _dt(g.at(updated))))
    c = _Cust(cid, role, status, kind, created, (today - created).days, person, person_py, title, phone, email,
              domain, owner, needs, budget, orders)
    c_names = _contacts(g, c)
    _order_rows(g, c)
    _followups(g, c, c_names)
    _tickets(g, c)
    _needs(g, c)
    _tags(g, c)
    _status_history(g, c)


def _type_and_status(g: _Gen, role: str | None) -> tuple[str, str]:
    rng = g.rng
    if role == "a":
        return "returning", "active"
    if role == "churn":
        ctype = rng.choice(("returning", "returning", "lost"))
        return ctype, "lost" if ctype == "lost" else "at_risk"
    if role == "hv":
        return "high_value", "active"
    if role == "need":
        return "potential", "intent"
    ctype = rng.choices(list(_TYPE_STATUS), (20, 30, 8, 25, 12))[0]
    opts = _TYPE_STATUS[ctype]
    return ctype, rng.choices([o[0] for o in opts], [o[1] for o in opts])[0]


def _identity(g: _Gen, spec: tuple[Any, ...] | None) -> tuple[Any, ...]:
    """(name, kind, industry, phone, email, domain, city, person, person_py) of a new customer."""
    rng = g.rng
    person, person_py = g.person()
    city = rng.choice(CITIES)
    if spec is not None:
        name, kind, industry, phone, email = spec
        domain = email.split("@")[1] if email else ""
        city = next((c for c in CITIES if c[0] in name or phone.startswith(c[2] + "-")), city)
        if kind == "individual":
            person = name
    elif rng.random() < 0.1:
        kind, industry, email = "individual", None, None
        while person in g.names:
            person, person_py = g.person()
        g.names.add(person)
        name, phone = person, g.mobile()
        email = f"{person_py}{rng.randint(1, 99)}@{rng.choice(('163.com', 'qq.com', '126.com'))}"
        domain = ""
    else:
        kind = "enterprise"
        name, industry, domain, city = g.company()
        phone = g.mobile() if rng.random() < 0.6 else g.landline(city[2])
        email = f"{rng.choice(('contact', 'sales', 'info', person_py))}@{domain}"
    return name, kind, industry, phone, email, domain, city, person, person_py


def _orders(g: _Gen, role: str | None, buys: bool, created: date) -> list[tuple[date, str, float, str]]:
    rng, today = g.rng, g.today
    orders: list[tuple[date, str, float, str]] = []
    if role == "hv":
        for m in range(12):
            d = today - timedelta(days=m * 30 + rng.randint(1, 25))
            orders.append((d, rng.choice(PRODUCTS)[0], float(rng.randint(450, 950) * 100), "completed"))
    elif buys:
        lo = 120 if role == "churn" else 0
        for _order in range(rng.randint(2 if role == "a" else 1, 8)):
            prod, a0, a1 = rng.choice(PRODUCTS)
            d = g.day(lo, min(730, (today - created).days))
            st = rng.choices(("completed", "cancelled", "pending_payment", "partial_refund"), (80, 7, 7, 6))[0]
            if st == "pending_payment" and (today - d).days > 60:
                st = "completed"
            g.pending |= st == "pending_payment"
            orders.append((d, prod, float(round(rng.uniform(a0, a1), -2)), st))
        if role == "a":
            orders.append((g.day(3, 75), rng.choice(PRODUCTS[:2])[0], float(rng.randint(500, 2000) * 100),
                           "completed"))
            if not g.pending:  # make sure every order status occurs, even in a small set
                orders.append((g.day(1, 20), PRODUCTS[2][0], 12_800.0, "pending_payment"))
                g.pending = True
    orders.sort()
    return orders


def _contacts(g: _Gen, c: _Cust) -> list[str]:
    rng, ent = g.rng, c.kind == "enterprise"
    c_names = [c.person]
    stamp = _dt(g.at(c.created))
    for i in range(rng.randint(1, 3) if ent else 1):
        nm, py = (c.person, c.person_py) if i == 0 else g.person()
        c_names.append(nm)
        g.rows["contacts"].append((
            c.cid, nm, "main" if i == 0 else "related", c.title if i == 0 else rng.choice(TITLES_OTHER),
            c.phone if i == 0 and len(c.phone) == 11 else g.mobile(),
            c.email if i == 0 else (f"{py}@{c.domain}" if c.domain else None),
            rng.choice(RELATIONS) if ent else "本人", g.pick("preference"), None, stamp, stamp))
    return c_names


def _order_rows(g: _Gen, c: _Cust) -> None:
    rng = g.rng
    for d, prod, amount, st in c.orders:
        stamp = _dt(g.at(d))
        g.rows["orders"].append((g.new_id("DD", d), c.cid, d.isoformat(), prod, amount, int(rng.random() < 0.85),
                                 st, c.owner if rng.random() < 0.9 else rng.choice(OWNERS), None, stamp, stamp))


def _followups(g: _Gen, c: _Cust, c_names: list[str]) -> None:
    rng, today, owner, span = g.rng, g.today, c.owner, c.span
    n_f = rng.randint(1, 3) if c.role in ("b", "churn") else rng.randint(0, 6)
    fdays = sorted(g.day(95, min(700, max(span, 95))) if c.role == "churn" else g.day(0, min(span, 700))
                   for _ in range(n_f))
    for k, d in enumerate(fdays):
        r = rng.random()
        if (c.role == "b" and k == len(fdays) - 1) or r < 0.12:
            by = rng.choice(("王经理", "李经理", "刘经理", f"销售经理{owner}", f"{owner[0]}经理"))
        else:
            by = owner if r < 0.85 else rng.choice(OWNERS)
        due = d + timedelta(days=rng.randint(3, 30))
        done = 0 if due >= today else int(rng.random() < 0.75)
        when = g.at(d)
        g.rows["followups"].append((
            g.new_id("F", d), c.cid, _dt(when), rng.choice(c_names), g.pick("method"), g.pick("ftype"), by,
            f"{by}、{rng.choice(HANDLERS)}" if rng.random() < 0.3 else None, rng.choice(SUMMARY),
            rng.choice(FEEDBACK), rng.choice((None, "三日内提供报价", "下周安排演示")), rng.choice(NEXT_STEPS),
            due.isoformat(), done, _dt(when), _dt(when)))


def _tickets(g: _Gen, c: _Cust) -> None:
    rng, role, span = g.rng, c.role, c.span
    n_t = rng.randint(0, 3) if c.orders or rng.random() < 0.2 else 0
    for k in range(n_t + (role == "a")):
        forced = role == "a" and k == n_t
        st = rng.choice(("closed", "done")) if forced else g.pick("tstatus")
        closed = st in ("closed", "done")
        lo = 130 if role == "churn" else (14 if closed else 1)
        hi = max(lo, min(span, 700)) if closed or role == "churn" else 30
        start = g.at(g.day(lo, hi), 8, 20)
        urgency = rng.choices(("normal", "urgent", "critical"), (70, 22, 8))[0]
        meets = rng.random() < 0.8
        if urgency == "normal":
            resp = start + timedelta(minutes=rng.randint(20, 480))
            fin = start + (timedelta(hours=rng.randint(9, 70)) if meets else timedelta(days=rng.randint(6, 12)))
        else:
            resp = start + timedelta(minutes=rng.randint(5, 110) if meets else rng.randint(150, 480))
            fin = start + timedelta(hours=rng.randint(9, 23) if meets else rng.randint(26, 72))
        tsat = (rng.randint(4, 5) if forced or (meets and rng.random() < 0.7) else rng.randint(1, 5)) if closed \
            else None
        g.rows["tickets"].append((
            g.new_id("SR", start.date()), c.cid, _dt(start), g.pick("ttype"), g.pick("channel"), urgency,
            rng.choice(TICKET_TEXT), st, rng.choice(HANDLERS), rng.choice(("远程排查", "上门处理", "升级研发", None)),
            rng.choice(("已解决", "客户确认关闭")) if closed else None, tsat,
            _dt(resp) if st != "pending" else None, _dt(fin) if closed else None, _dt(start),
            _dt(fin if closed else start)))


def _needs(g: _Gen, c: _Cust) -> None:
    rng = g.rng
    n_n = max(1, rng.randint(0, 2)) if c.needs else (rng.randint(0, 1) if rng.random() < 0.3 else 0)
    for _need in range(n_n):
        d = g.day(0, min(c.span, 300))
        stamp = _dt(g.at(d))
        stage = g.pick("stage") if c.role != "need" else rng.choice(("confirming", "proposal", "quotation"))
        g.rows["needs"].append((
            g.new_id("D", d), c.cid, d.isoformat(), g.pick("ntype"), c.needs or rng.choice(NEEDS_TEXT),
            c.budget or rng.choice(BUDGETS), (d + timedelta(days=rng.randint(30, 180))).isoformat(), stage,
            rng.choice(DEPARTMENTS), c.owner, (d + timedelta(days=rng.randint(20, 120))).isoformat(), stamp, stamp))


def _tags(g: _Gen, c: _Cust) -> None:
    rng, today = g.rng, g.today
    tags: dict[str, str] = {}
    if c.role == "b" or (c.role is None and rng.random() < 0.08):
        tags["重点维护"] = "other"
    if c.status == "at_risk" or (c.status == "lost" and rng.random() < 0.5):
        tags["高风险"] = "other"
    if c.role == "hv":
        tags |= {"定期采购": "behaviour", "战略客户": "source"}
    if c.orders and rng.random() < 0.15:
        exp = today + timedelta(days=rng.randint(30, 270))
        tags[f"合同到期{exp.year}-{exp.month:02d}"] = "other"
    for t, grp in rng.sample(TAGS_RANDOM, rng.randint(0, 2)):
        tags.setdefault(t, grp)
    for t, grp in list(tags.items())[:4]:
        g.rows["tags"].append((c.cid, t, grp, _dt(g.at(g.day(0, min(c.span, 200))))))


def _status_history(g: _Gen, c: _Cust) -> None:
    today, orders = g.today, c.orders
    path = _PATHS[c.status]
    deal = (today - orders[0][0]).days if orders else 0
    last = (today - orders[-1][0]).days if orders else 0
    early = sum(p in ("intent", "active") for p in path)
    stamps = sorted((g.day(deal, c.span) for _ in range(early)), reverse=True) + [g.day(0, last) for _ in path[3:]]
    for old, new, d in zip(path[:-1], path[1:], stamps, strict=True):
        g.rows["status_history"].append((c.cid, old, new, _dt(g.at(d))))


_COLUMNS = {
    "customers": "customer_id, kind, name, contact_name, contact_title, phone, email, industry, size, address, "
                 "source, customer_type, status, lost_reason, level, first_contact_date, first_deal_date, owner, "
                 "needs, budget, decision_cycle, satisfaction, notes, created_at, updated_at",
    "contacts": "customer_id, name, role, title, phone, email, relation, preference, notes, created_at, updated_at",
    "orders": "order_id, customer_id, date, product, amount, tax_included, status, owner, notes, created_at, "
              "updated_at",
    "followups": "followup_id, customer_id, date, contact_name, method, type, followed_by, participants, summary, "
                 "feedback, commitments, next_step, due_date, done, created_at, updated_at",
    "tickets": "ticket_id, customer_id, date, type, channel, urgency, description, status, handler, plan, result, "
               "satisfaction, responded_at, closed_at, created_at, updated_at",
    "needs": "need_id, customer_id, date, type, description, budget, expected_delivery, stage, department, owner, "
             "expected_close_date, created_at, updated_at",
    "tags": "customer_id, tag, tag_group, updated_at",
    "status_history": "customer_id, old_status, new_status, changed_at",
}


def build(conn: sqlite3.Connection, *, seed: int = 2024, today: date | None = None,
          customers: int = 300) -> dict[str, int]:
    """Fill an empty database with the demo data set; returns row counts per table."""
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"the demo data set needs at least {MIN_CUSTOMERS} customers")
    if conn.execute("SELECT 1 FROM customers LIMIT 1").fetchone():
        raise ValueError("the database already has customers; the demo data needs an empty one")
    g = _Gen(seed, today or date.today())
    specs = [r for c in _DUP_ROWS for r in c] + list(_NEG_ROWS)
    n_plain = customers - len(specs)
    roles: list[str | None] = [r for r, k in _ROLE_COUNTS for _ in range(k)]
    roles += [None] * (n_plain - len(roles))
    g.rng.shuffle(roles)
    slots: list[tuple[Any, ...] | None] = [None] * n_plain
    for spec in specs:  # planted rows at deterministic random places
        slots.insert(g.rng.randint(0, len(slots)), spec)
    it = iter(roles)
    for spec in slots:
        _customer(g, spec, None if spec is not None else next(it))
    counts = {t: len(g.rows[t]) for t in _COLUMNS}
    with audit.operation(conn, "demo", "demo data set", details={"seed": seed, "customers": customers}) as op:
        for t, cols in _COLUMNS.items():
            marks = ",".join("?" * (cols.count(",") + 1))
            conn.executemany(f"INSERT INTO {t} ({cols}) VALUES ({marks})", g.rows[t])
        conn.executemany(
            "INSERT INTO id_counters (prefix, day, last) VALUES (?, ?, ?) "
            "ON CONFLICT (prefix, day) DO UPDATE SET last = max(last, excluded.last)",
            [(p, d, n) for (p, d), n in sorted(g.serial.items())])
        op.set_summary(_("demo data set: {customers} customers, {orders} orders").format(
            customers=counts["customers"], orders=counts["orders"]),
                       {"seed": seed, "today": g.today.isoformat(), "counts": counts})
    return counts
