"""A realistic 客户台账 for import benchmarks: every name, contact, mobile and e-mail distinct.

    python benchmarks/ledger.py --rows 300000 --csv ledger.csv [--xlsx ledger.xlsx] [--seed 1]

generate.py's customers CSV repeats its values (a few hundred people, cities, streets),
which flatters any per-column cache of distinct values. A real ledger does not: each
customer has its own full name, contact person, mobile and e-mail, and its dates spread
over years. This writer gives every row of ROWS (up to 1.2 million) distinct values of
those four, in the order of a seeded permutation (rows are not sorted by any column),
under the template's Chinese headers (客户编号, 客户全称, 联系人姓名, 手机, 联系邮箱, …)
with the columns a real ledger carries: industry, size, address, source, type, status
(a lost customer with its reason, an intent one with its need and budget, as the rules
ask), level, first contact and first deal dates over ten years, owner, satisfaction,
remarks. Every row is valid: `crm import` must load all of them (bench_import.py
checks the count). Deterministic for a seed; the xlsx holds the same rows as text
cells, written by openpyxl in write-only mode.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import CHARS, CITIES, LEGAL, WORDS

HEADERS = ["客户编号", "客户全称", "客户性质", "联系人姓名", "联系人职位", "手机", "联系邮箱", "所属行业", "企业规模",
           "公司地址", "客户来源", "客户类型", "合作状态", "流失原因", "客户等级", "首次接触时间", "初始合作时间",
           "负责人", "需求背景", "预算范围", "满意度评分", "备注"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "".join(dict.fromkeys("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建国玲燕飞文辉力林斌宇浩凯波欣怡佳琪雪梅晨阳"
         "俊峰志远思源子轩梓涵雨婷嘉怡博文晓东海燕立新春生永安德胜宏伟国庆学军卫东振华晓明丹丹雅琴婉清若曦梦瑶诗"
         "鑫昊然天佑铭语桐彤紫萱一诺依琳可馨亦菲乐泽睿哲蕾薇倩颖慧敬璐翔鸿"))
TITLES = ("采购经理", "总经理", "IT主管", "财务总监", "行政经理", "运营总监", "技术负责人", "副总经理")
SIZES = ("20人以下", "20-100人", "100-500人", "500-1000人", "1000人以上")
SOURCES = ("展会", "转介绍", "线上推广", "主动开发", "主动咨询", "官网推荐", "第三方数据平台")
LEVELS = ("VIP", "普通", "潜力", "高", "中", "低")
OWNERS = ("张伟", "李娜", "王强", "刘洋", "陈静", "赵磊", "孙丽", "周杰", "吴敏", "郑涛")
MOBILE = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
          "157", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "198")
DOMAINS = ("163.com", "qq.com", "126.com", "sina.com", "foxmail.com", "aliyun.com")
NEEDS = ("升级现有系统", "替换老旧ERP", "扩大产能", "上线线上商城", "统一客户数据", "降低采购成本")
BUDGETS = ("10-50万", "50-100万", "5-10万", "100万以上")
LOST = ("价格因素，转向竞争对手", "需求取消", "服务响应慢", "公司注销")
REMARKS = ("", "", "", "年底有续约意向", "需定期回访", "对价格敏感", "关注售后服务", "决策链较长")
DAYS = 3650  # first contacts over ten years, up to 274 customers a day (the id's serial has 3 digits)
MAX_ROWS = len(CITIES) * len(CHARS) ** 2 * len(WORDS)  # distinct company cores; contacts allow ~1.2M


def _perm(n: int, seed: int) -> tuple[int, int]:
    """(a, b) with i -> (a*i + b) % n a permutation of range(n)."""
    rng = random.Random(seed)
    while True:
        a = rng.randrange(n // 3, n - 1) | 1
        if _gcd(a, n) == 1:
            return a, rng.randrange(n)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def rows(n: int, seed: int = 1, today: date | None = None) -> Iterator[list[str]]:
    """N ledger rows (lists of strings, '' for an empty cell), in HEADERS' order."""
    if n > min(MAX_ROWS, len(SURNAMES) * len(GIVEN) ** 2):
        raise ValueError(f"a ledger of distinct values holds at most {len(SURNAMES) * len(GIVEN) ** 2:,} rows")
    rng = random.Random(seed)
    end = today or date.today()
    days = [(end - timedelta(days=DAYS - k)) for k in range(DAYS + 400)]
    slash = [d.strftime("%Y/%m/%d") for d in days]
    dash = [d.isoformat() for d in days]
    stamp = [d.strftime("%Y%m%d") for d in days]
    a, b = _perm(n, seed)
    ca, cb = _perm(MAX_ROWS, seed + 1)
    pa, pb = _perm(len(SURNAMES) * len(GIVEN) ** 2, seed + 2)
    ma, mb = _perm(10**8, seed + 3)
    g = len(GIVEN)
    for i in range(n):
        k = (a * i + b) % n  # the customer's place in time: rows come in no particular order
        day, serial = k % DAYS, k // DAYS + 1
        x = (ca * k + cb) % MAX_ROWS
        x, city_i = divmod(x, len(CITIES))
        x, c1 = divmod(x, len(CHARS))
        w, c2 = divmod(x, len(CHARS))
        city, (sector, word, tag) = CITIES[city_i], WORDS[w]
        y = (pa * k + pb) % (len(SURNAMES) * g * g)
        y, g2 = divmod(y, g)
        s, g1 = divmod(y, g)
        contact = SURNAMES[s] + GIVEN[g1] + GIVEN[g2]
        individual = rng.random() < 0.08
        name = contact if individual else f"{city[0]}{CHARS[c1][0]}{CHARS[c2][0]}{word}{LEGAL[rng.randrange(4)]}"
        mobile = f"{MOBILE[k % len(MOBILE)]}{(ma * k + mb) % 10**8:08d}"
        email = f"{CHARS[c1][1]}{CHARS[c2][1]}.{k:x}@{DOMAINS[k % len(DOMAINS)] if individual else f'{tag}{city[1]}.com'}"
        status = rng.choices(("合作中", "潜在", "意向", "流失"), (55, 20, 15, 10))[0]
        dealt = status in ("合作中", "流失")
        first = day + rng.randrange(3, 200)
        ctype = {"合作中": rng.choice(("新客户", "老客户", "高价值客户")), "潜在": "潜在客户", "意向": "潜在客户",
                 "流失": "流失客户"}[status]
        yield [
            f"C{stamp[day]}{serial:03d}", name, "个人" if individual else "企业", contact,
            "" if individual else TITLES[k % len(TITLES)], mobile, email, "" if individual else sector,
            "" if individual else SIZES[rng.randrange(5)],
            f"{city[3]}{city[4][k % 4]}{CHARS[c2][0]}{CHARS[c1][0]}路{k % 1999 + 1}号", rng.choice(SOURCES), ctype, status,
            rng.choice(LOST) if status == "流失" else "", rng.choice(LEVELS), slash[day],
            dash[min(first, DAYS + 399)] if dealt and first < DAYS else "", OWNERS[rng.randrange(len(OWNERS))],
            rng.choice(NEEDS) if status == "意向" else "", rng.choice(BUDGETS) if status == "意向" else "",
            str(rng.randrange(1, 6)) if dealt and rng.random() < 0.6 else "", rng.choice(REMARKS)]


def write_csv(path: str | Path, n: int, seed: int = 1) -> None:
    """The ledger as UTF-8 CSV, written to a temporary name first (a run killed midway leaves no half file)."""
    tmp = Path(f"{path}.partial")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(rows(n, seed))
    tmp.replace(path)


def write_xlsx(path: str | Path, n: int, seed: int = 1) -> None:
    """The same rows as an Excel workbook (one sheet, 客户基本信息, text cells)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户基本信息")
    ws.append(HEADERS)
    for row in rows(n, seed):
        ws.append([c or None for c in row])
    tmp = Path(f"{path}.partial")
    wb.save(tmp)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", type=Path)
    ap.add_argument("--xlsx", type=Path)
    args = ap.parse_args(argv)
    if args.csv:
        write_csv(args.csv, args.rows, args.seed)
    if args.xlsx:
        write_xlsx(args.xlsx, args.rows, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
