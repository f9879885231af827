"""Where the sample import files live: package data when installed, the repository's
examples/ in a checkout, else (an install without them) a small GBK CSV written to a
temporary directory, so `crm demo` can always show an import."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

_FALLBACK_ROWS = [
    "客户名称,客户类型,联系人,手机,所属行业,客户来源,首次接触日期,负责人",
    "南京星河软件有限公司,企业,周敏,139-0000-1234,信息传输、软件和信息技术服务业,展会,2024/9/3,李经理",
    "成都天府餐饮管理有限公司,企业,何军,028-85123456,住宿和餐饮业,电销,2024/9/15,王经理",
    "李娜,个人,,13600001234,,老客户介绍,2024/10/1,张经理",
]


def examples_dir() -> Path | None:
    try:
        res = resources.files("crmcli").joinpath("examples")
        if res.is_dir():
            return Path(str(res))
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover - odd installs
        pass
    root = Path(__file__).resolve().parents[3] / "examples"
    return root if root.is_dir() else None


def example_file(name: str) -> Path:
    """examples/NAME, or for customers-gbk.csv a freshly written stand-in."""
    found = examples_dir()
    if found is not None and (found / name).is_file():
        return found / name
    if name != "customers-gbk.csv":
        raise FileNotFoundError(name)
    path = Path(tempfile.mkdtemp(prefix="crm-examples-")) / name
    path.write_bytes(("\r\n".join(_FALLBACK_ROWS) + "\r\n").encode("gbk"))
    return path
