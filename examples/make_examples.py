"""Write the sample files `crm import` is shown with (deterministic: same bytes every run).

    python examples/make_examples.py

- template-workbook.xlsx: the template as a salesperson keeps it in Excel: six
  sheets (客户基本信息, 联系人, 跟进记录, 交易信息, 服务信息, 客户需求), a merged title
  row above each header row, phones typed as numbers, dates as Excel dates and as text.
- customers-gbk.csv: what Excel on Chinese Windows saves as "CSV": GBK, CRLF,
  Chinese headers, 客户类型 holding 企业/个人.
- other-crm-export.csv: an English export from another CRM (Company, Phone, E-mail …).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
FIXED = dt.datetime(2024, 11, 22, 9, 0, 0)

CUSTOMERS = [
    # 客户编号, 客户全称, 客户性质, 联系人, 职位, 联系电话, 邮箱, 所属行业, 客户来源, 客户类型, 合作状态, 首次接触时间, 负责人,
    # 需求背景, 预算范围 (seed 001: 意向 only with a clear need and a confirmed budget)
    ("C20240301001", "北京华信科技有限公司", "企业", "王芳", "采购经理", 13812345678, "wangfang@huaxin-tech.cn",
     "信息传输、软件和信息技术服务业", "展会", "老客户", "合作中", dt.date(2024, 3, 1), "李经理", "", ""),
    ("C20240301002", "上海云帆贸易有限公司", "企业", "陈静", "总经理", "021-62345678", "chenjing@yunfan-trade.com",
     "批发和零售业", "转介绍", "高价值客户", "合作中", "2024/3/5", "张经理", "", ""),
    ("C20240301003", "杭州青禾教育咨询有限公司", "企业", "刘洋", "行政主管", "139 0571 2468", "",
     "教育", "官网推荐", "新客户", "意向", dt.date(2024, 4, 12), "李经理", "学员管理模块定制", "10-20万"),
    ("", "深圳星辰电子有限公司", "企业", "赵磊", "研发总监", 75512345678, "zhaolei@xingchen-e.com",
     "制造业", "主动咨询", "潜在客户", "潜在", "2024年5月8日", "王经理", "", ""),
    ("", "张伟", "个人", "", "", "15900001111", "zhangwei@163.com", "", "线上推广", "新客户", "潜在", "2024-06-18", "张经理", "", ""),
]

CONTACTS = [  # 客户名称, 姓名, 联系人类型, 职位, 电话, 邮箱, 沟通偏好
    ("北京华信科技有限公司", "王芳", "基础联系人", "采购经理", 13812345678, "wangfang@huaxin-tech.cn", "电话"),
    ("北京华信科技有限公司", "孙涛", "关联联系人", "IT主管", "13811112222", "", "微信"),
    ("上海云帆贸易有限公司", "陈静", "基础联系人", "总经理", "021-62345678", "chenjing@yunfan-trade.com", "邮件"),
]

FOLLOWUPS = [  # 客户名称, 跟进时间, 跟进方式, 跟进类型, 跟进人, 沟通要点, 下一步计划, 预计完成时间, 是否完成
    ("北京华信科技有限公司", dt.datetime(2024, 10, 8, 10, 30), "电话", "需求跟进", "李经理", "确认年度续约需求", "发送报价",
     dt.date(2024, 10, 15), "是"),
    ("上海云帆贸易有限公司", "2024-10-20 14:00", "拜访", "合同签订", "张经理", "签订年度框架协议", "安排交付", "2024-11-01", "是"),
    ("杭州青禾教育咨询有限公司", dt.datetime(2024, 11, 2, 9, 0), "线上会议", "初次沟通", "李经理", "介绍产品方案", "试用账号",
     "2024/11/30", "否"),
]

ORDERS = [  # 客户编号, 订单编号, 下单日期, 产品/服务, 金额(元), 订单状态, 负责人
    ("C20240301001", "DD20241010001", dt.date(2024, 10, 10), "年度软件服务", 120000, "已完成", "李经理"),
    ("C20240301002", "DD20241025001", "2024/10/25", "供应链系统", "¥86,500.00", "待付款", "张经理"),
    ("C20240301001", "DD20241105001", dt.date(2024, 11, 5), "实施服务", "3万", "已完成", "李经理"),
]

TICKETS = [  # 客户名称, 服务编号, 请求时间, 服务类型, 紧急程度, 问题描述, 处理状态, 处理人, 满意度
    ("北京华信科技有限公司", "SR20241101001", dt.datetime(2024, 11, 1, 16, 20), "技术支持", "紧急", "登录后报表无法导出",
     "已完成", "周工", 5),
    ("上海云帆贸易有限公司", "SR20241112001", "2024-11-12 09:15", "产品咨询", "普通", "咨询批量导入功能", "处理中", "周工", ""),
]

NEEDS = [  # 客户名称, 提出日期, 需求类型, 需求描述, 预算范围, 跟进阶段, 负责人, 预计成交时间
    ("杭州青禾教育咨询有限公司", dt.date(2024, 11, 2), "服务定制", "学员管理模块定制", "10-20万", "方案制定", "李经理", "2025-01-15"),
    ("深圳星辰电子有限公司", "2024/5/8", "产品咨询", "生产数据看板", "5万以内", "需求确认", "王经理", ""),
]


def _sheet(wb: Workbook, title: str, heading: str, headers: list[str], rows: list[tuple]) -> None:
    ws = wb.create_sheet(title)
    ws.append([heading])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    for col in ws.iter_cols(min_row=3):
        for cell in col:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def workbook(path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "客户基本信息", "客户基本信息表（示例）",
           ["客户编号", "客户全称", "客户性质", "联系人姓名", "联系人职位", "联系电话", "联系邮箱", "所属行业", "客户来源",
            "客户类型", "合作状态", "首次接触时间", "负责人", "需求背景", "预算范围"], CUSTOMERS)
    _sheet(wb, "联系人", "联系人信息", ["客户名称", "姓名", "联系人类型", "职位", "电话", "邮箱", "沟通偏好"], CONTACTS)
    _sheet(wb, "跟进记录", "客户跟进记录",
           ["客户名称", "跟进时间", "跟进方式", "跟进类型", "跟进人", "沟通要点", "下一步计划", "预计完成时间", "是否完成"],
           FOLLOWUPS)
    _sheet(wb, "交易信息", "交易信息", ["客户编号", "订单编号", "下单日期", "产品/服务", "金额(元)", "订单状态", "负责人"], ORDERS)
    _sheet(wb, "服务信息", "售后服务记录",
           ["客户名称", "服务编号", "请求时间", "服务类型", "紧急程度", "问题描述", "处理状态", "处理人", "满意度"], TICKETS)
    _sheet(wb, "客户需求", "客户需求与跟进表",
           ["客户名称", "提出日期", "需求类型", "需求描述", "预算范围", "跟进阶段", "负责人", "预计成交时间"], NEEDS)
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.creator = "crmcli examples"
    buf = io.BytesIO()
    wb.save(buf)
    _deterministic_zip(buf.getvalue(), path)


def _deterministic_zip(data: bytes, path: Path) -> None:
    """Rewrite the zip with fixed entry times so the file is byte-identical on every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<", rb"<dcterms:modified\1>2024-11-22T09:00:00Z<", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 11, 22, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    path.write_bytes(out.getvalue())


def gbk_csv(path: Path) -> None:
    rows = [["客户名称", "客户类型", "联系人", "手机", "邮箱", "所属行业", "客户来源", "首次接触日期", "负责人", "备注"],
            ["南京星河软件有限公司", "企业", "周敏", "139-0000-1234", "zhoumin@xinghe-soft.cn", "信息传输、软件和信息技术服务业",
             "展会", "2024/9/3", "李经理", "展会上索取了资料"],
            ["成都天府餐饮管理有限公司", "企业", "何军", "028-85123456", "", "住宿和餐饮业", "电销", "2024/9/15", "王经理",
             "门店 12 家，关注会员系统"],
            ["李娜", "个人", "", "13600001234", "lina@qq.com", "", "老客户介绍", "2024/10/1", "张经理", ""],
            ["武汉长江物流有限公司", "企业", "吴刚", "027 8765 4321", "wugang@cjwl.com", "交通运输、仓储和邮政业", "官网",
             "2024/10/12", "李经理", "需要上门演示,预算待定"]]
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    path.write_bytes(text.getvalue().encode("gbk"))


def english_csv(path: Path) -> None:
    rows = [["Company", "Contact", "Job Title", "Phone", "E-mail", "Industry", "Lead Source", "Owner", "Created", "Notes"],
            ["Suzhou Lianchuang Precision Co., Ltd.", "Gu Wei", "Purchasing", "+86 512 6688 1234", "guwei@lianchuang.com",
             "制造业", "Trade show", "Li", "2024-08-19", "Met at the Shanghai expo"],
            ["Qingdao Haina Foods Co., Ltd.", "Xu Li", "CEO", "+86 138 6543 2109", "xuli@hainafoods.cn", "批发和零售业",
             "Referral", "Zhang", "2024-09-02", ""],
            ["Xiamen Blue Ocean Travel", "Lin Tao", "", "0592-5123456", "", "", "Website", "Wang", "2024-10-27",
             "Wants a quote, \"urgent\""]]
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    path.write_bytes(text.getvalue().encode("utf-8"))


def main(out: Path = HERE) -> None:
    workbook(out / "template-workbook.xlsx")
    gbk_csv(out / "customers-gbk.csv")
    english_csv(out / "other-crm-export.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
