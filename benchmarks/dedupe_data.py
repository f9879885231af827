"""A labelled, duplicate-laden Chinese customer set for the dedupe benchmark.

    python benchmarks/dedupe_data.py --customers 100000 --db /tmp/dedupe-100k.db [--seed 7]

Writes a crmcli database whose `customers` hold N records of about 0.78 N real
customers (entities) and a side table `bench_truth(customer_id, entity_id)` with
the truth. Duplicates carry the variations the issue names:
  * names: legal form swapped (有限公司 / 有限责任公司 / 股份有限公司 / none), city
    as a prefix, in brackets of any style, before 分公司, or left out; Traditional
    characters; full-width letters and brackets; stray spaces; a one-character slip
    by sound (华信 / 华欣); individuals' names in Traditional characters;
  * contacts: the same mobile or email, the company landline instead of the mobile,
    a contact person's phone that is the other record's main phone.
Hard negatives, which must stay apart:
  * the same brand and industry in another city (北京华信科技 / 上海华信科技);
  * different companies sharing a building switchboard (same landline);
  * a one-character different name in the same city (华信科技 / 华强科技);
  * people with the same common name (张伟) and their own phones.
Phones are stored normalised, as every import path stores them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from crmcli import db

CITIES = {"北京": "010", "上海": "021", "天津": "022", "重庆": "023", "广州": "020", "深圳": "0755", "杭州": "0571",
          "南京": "025", "苏州": "0512", "武汉": "027", "成都": "028", "西安": "029", "长沙": "0731", "郑州": "0371",
          "济南": "0531", "青岛": "0532", "合肥": "0551", "福州": "0591", "厦门": "0592", "沈阳": "024",
          "大连": "0411", "哈尔滨": "0451", "长春": "0431", "昆明": "0871", "南宁": "0771", "宁波": "0574",
          "无锡": "0510", "佛山": "0757", "东莞": "0769", "石家庄": "0311"}
BRAND = [
    "华信", "远大", "长城", "东方", "金桥", "新世纪", "恒通", "宏达", "鼎盛", "嘉禾",
    "瑞丰", "天成", "博远", "中科", "星河", "海纳", "启明", "卓越", "联创", "盛世", "润泽",
    "汇通", "安达", "永信", "隆基", "中和", "明德", "鸿运", "凯旋", "百川", "锦程", "正泰",
    "華光", "同心", "云帆", "蓝海", "方圆", "晨光", "春晖", "泰和", "和光", "立信", "九州",
    "四海", "万通", "顺达", "振华", "兴业", "新元", "德胜", "光明", "安康", "富民", "建华",
    "兆丰", "金鼎", "银河", "天宇", "海川", "辰星",
]
# Characters Chinese trade names are commonly built from (about 300), so cores stay as
# varied as a real register: two-character brands alone give ~90,000 combinations.
BRAND_CHARS = ("华信远大长城东方金桥恒通宏达鼎盛嘉禾瑞丰天成博中科星河海纳启明卓越联创润泽汇安永隆基和明德鸿运凯旋百川"
               "锦程正泰光同心云帆蓝圆晨春晖立九州四万顺振兴业新元胜富民建兆鼎银宇辰欣鑫森林峰源泉宁达昌"
               "美佳利祥福寿康乐泰丰裕盈旺发荣耀辉煌灿烂翔鹏飞腾跃龙凤麒麟虎豹鹰雁松柏竹梅兰菊荷莲桂枫杨"
               "江河湖山川岭峰岩石玉珠宝金银铜铁钢晶彩虹霞露雪霜雨风雷电星月日阳光亮明朗清澈静雅致精诚"
               "信义礼智仁勇忠孝廉洁勤俭朴实真善美好优良秀丽英杰豪雄伟壮强盛昌隆兴旺达通畅顺利安宁平和谐"
               "合众群策力创新拓展开元始初启航远志宏图伟业基石础柱梁栋材器具械工匠艺巧妙奇特殊异同协作")
INDUSTRY = [
    "科技", "电子", "物流", "贸易", "网络", "信息技术", "医药", "机械", "食品", "建筑工程",
    "文化传媒", "环保", "教育咨询", "软件", "新能源", "生物科技", "供应链", "实业", "汽车服务",
    "餐饮管理", "智能设备", "包装材料", "化工", "纺织", "家具", "房地产", "装饰工程", "广告",
    "服饰", "商贸", "电器", "光电", "通信", "数据服务", "旅游", "农业", "健康管理", "酒店管理",
    "人力资源", "五金", "塑胶",
]
LEGAL = ("有限公司", "有限责任公司", "股份有限公司", "")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆雪琳晨阳"
BRACKETS = (("(", ")"), ("（", "）"), ("【", "】"), ("[", "]"))


def _homophones() -> dict[str, list[str]]:
    from pypinyin import lazy_pinyin

    by_sound: dict[str, list[str]] = {}
    for ch in set(BRAND_CHARS):
        by_sound.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    # common same-sound characters a typist picks by mistake
    extra = {"华": "化画", "信": "新心欣鑫", "达": "大", "通": "同", "明": "名鸣", "源": "元园", "宇": "雨语",
             "兴": "星", "恒": "衡", "峰": "丰锋", "嘉": "佳家", "瑞": "锐", "成": "诚城", "创": "窗", "凯": "楷"}
    out: dict[str, list[str]] = {}
    for group in by_sound.values():
        for ch in group:
            out[ch] = [c for c in group if c != ch]
    for ch, alts in extra.items():
        out.setdefault(ch, []).extend(a for a in alts if a not in out[ch])
    return {k: sorted(set(v)) for k, v in out.items() if v}


class Gen:
    def __init__(self, seed: int) -> None:
        import opencc

        self.rnd = random.Random(seed)
        self.s2t = opencc.OpenCC("s2t")
        self.homo = _homophones()
        self.used_names: set[tuple[str, str]] = set()
        self.used_phones: set[str] = set()

    def mobile(self) -> str:
        while True:
            p = "1" + self.rnd.choice("3456789") + "".join(self.rnd.choices("0123456789", k=9))
            if p not in self.used_phones:
                self.used_phones.add(p)
                return p

    def landline(self, city: str) -> str:
        area = CITIES[city]
        while True:
            p = f"{area}-{self.rnd.choice('2345678')}{''.join(self.rnd.choices('0123456789', k=7 if len(area) == 3 else 6))}"
            if p not in self.used_phones:
                self.used_phones.add(p)
                return p

    def brand(self) -> str:
        r = self.rnd.random()
        if r < 0.1:
            return self.rnd.choice(BRAND)
        return "".join(self.rnd.choices(BRAND_CHARS, k=2 if r < 0.85 else 3))

    def company(self) -> tuple[str, str, str]:
        """(city, brand, industry), unique per city as names are registered per city."""
        while True:
            city, brand, ind = self.rnd.choice(list(CITIES)), self.brand(), self.rnd.choice(INDUSTRY)
            if (city, brand + ind) not in self.used_names:
                self.used_names.add((city, brand + ind))
                return city, brand, ind

    def company_name(self, city: str, brand: str, ind: str, legal: str | None = None, variant: bool = False) -> str:
        legal = self.rnd.choice(LEGAL[:3]) if legal is None else legal
        if not variant:
            return f"{city}{brand}{ind}{legal or '有限公司'}"
        r = self.rnd.random()
        core = brand + ind
        if r < 0.12 and any(c in self.homo for c in brand):
            i = self.rnd.choice([k for k, c in enumerate(brand) if c in self.homo])
            core = brand[:i] + self.rnd.choice(self.homo[brand[i]]) + brand[i + 1:] + ind
        form = self.rnd.random()
        if form < 0.3:
            name = f"{city}{core}{legal}"
        elif form < 0.55:
            lb, rb = self.rnd.choice(BRACKETS)
            name = f"{core}{lb}{city}{rb}{legal or '有限公司'}"
        elif form < 0.65:
            name = f"{core}{city}分公司"
        elif form < 0.8:
            name = f"{city}市{core}{legal}"
        else:
            name = f"{core}{legal}"   # city left out
        t = self.rnd.random()
        if t < 0.25:
            name = self.s2t.convert(name)
        elif t < 0.32:
            name = name.replace("(", "（").replace(")", "）") + "\u3000"
        elif t < 0.38:
            name = " " + name[:2] + " " + name[2:]
        return name

    def person(self) -> str:
        given = "".join(self.rnd.choices(GIVEN, k=self.rnd.choice((1, 2))))
        return self.rnd.choice(SURNAMES) + given


def generate(path: str, customers: int, seed: int = 7) -> dict[str, int]:
    """Write the labelled set to a new database at PATH; returns counts."""
    g = Gen(seed)
    rnd = g.rnd
    rows: list[tuple] = []
    truth: list[tuple[str, int]] = []
    contacts: list[tuple] = []
    entity = 0
    serial = 0
    switchboards: dict[str, list[str]] = {}
    negatives = {"other_city": 0, "one_char_off": 0, "shared_switchboard": 0}

    def add(name: str, phone: str | None, email: str | None, kind: str, ent: int, contact_phone: str | None = None) -> None:
        nonlocal serial
        serial += 1
        cid = f"C{serial:08d}"
        day = 1 + serial * 3 % 27
        created = f"20{18 + serial % 7}-{1 + serial % 12:02d}-{day:02d} 09:{serial % 60:02d}:00"
        rows.append((cid, kind, name, phone, email, created, created))
        truth.append((cid, ent))
        if contact_phone:
            contacts.append((cid, g.person(), "main", contact_phone))

    while serial < customers:
        entity += 1
        n_dups = rnd.choices((0, 1, 2, 3), weights=(78, 15, 5, 2))[0]
        if rnd.random() < 0.2:  # an individual
            name = g.person()
            mobile = g.mobile()
            email = f"u{entity}@qq.com" if rnd.random() < 0.3 else None
            add(name, mobile, email, "individual", entity)
            for _ in range(n_dups):
                v = rnd.random()
                add(g.s2t.convert(name) if v < 0.3 else name, mobile if v < 0.85 else None,
                    email if v >= 0.85 or email is None else None, "individual", entity)
                if v >= 0.85 and email is None:
                    rows[-1] = (*rows[-1][:3], mobile, *rows[-1][4:])
            continue
        city, brand, ind = g.company()
        legal = rnd.choice(LEGAL[:3])
        mobile = g.mobile()
        # a building switchboard shared by unrelated companies: a hard negative
        if rnd.random() < 0.03 and switchboards.get(city):
            land = rnd.choice(switchboards[city])
            negatives["shared_switchboard"] += 1
        else:
            land = g.landline(city)
            switchboards.setdefault(city, []).append(land)
        domain = f"{entity}{rnd.choice(('corp', 'tech', 'group'))}.cn"
        email = f"{rnd.choice(('info', 'sales', 'service'))}@{domain}" if rnd.random() < 0.5 else None
        main_phone = mobile if rnd.random() < 0.7 else land
        add(g.company_name(city, brand, ind, legal), main_phone, email, "enterprise", entity,
            contact_phone=mobile if main_phone == land and rnd.random() < 0.5 else None)
        for _ in range(n_dups):
            v = rnd.random()
            name = g.company_name(city, brand, ind, rnd.choice(LEGAL), variant=True)
            if v < 0.55:
                add(name, main_phone, None, "enterprise", entity)                   # same phone
            elif v < 0.75 and email:
                add(name, None, email.upper() if rnd.random() < 0.3 else email, "enterprise", entity)  # same email
            elif v < 0.9:
                other = land if main_phone == mobile else mobile                    # the other phone of the company
                add(name, other, email, "enterprise", entity)
            else:
                add(name, main_phone, email, "enterprise", entity)
        # hard negatives beside this company
        h = rnd.random()
        if h < 0.08:  # same brand and industry in another city
            other_city = rnd.choice([c for c in CITIES if c != city])
            if (other_city, brand + ind) not in g.used_names:
                g.used_names.add((other_city, brand + ind))
                negatives["other_city"] += 1
                entity += 1
                add(g.company_name(other_city, brand, ind), g.landline(other_city), None, "enterprise", entity)
        elif h < 0.14:  # one character different, same city, own phone
            alt = brand[:-1] + rnd.choice(BRAND_CHARS)
            if alt != brand and (city, alt + ind) not in g.used_names:
                g.used_names.add((city, alt + ind))
                negatives["one_char_off"] += 1
                entity += 1
                add(g.company_name(city, alt, ind), g.mobile(), None, "enterprise", entity)
    rows, truth = rows[:customers], truth[:customers]
    keep = {r[0] for r in rows}
    contacts = [c for c in contacts if c[0] in keep]
    rnd.shuffle(rows)  # ids do not give the answer away
    p = Path(path)
    if p.exists():
        p.unlink()
    conn = db.create(p)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO customers (customer_id, kind, name, phone, email, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO contacts (customer_id, name, role, phone) VALUES (?,?,?,?)", contacts)
    conn.execute("CREATE TABLE bench_truth (customer_id TEXT PRIMARY KEY, entity_id INTEGER NOT NULL)")
    conn.executemany("INSERT INTO bench_truth VALUES (?, ?)", truth)
    conn.execute("COMMIT")
    conn.close()
    return {"customers": len(rows), "entities": len({e for _, e in truth}), "contacts": len(contacts), **negatives}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--db", required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    counts = generate(args.db, args.customers, args.seed)
    print(f"{counts} in {time.perf_counter() - t0:.1f}s -> {args.db}", file=sys.stderr)


if __name__ == "__main__":
    main()
