"""Every error a person reads is translated: a static guard over src/crmcli, and real commands under zh.

The guard parses the package with `ast` and fails when an error of crmcli's user-facing family (CrmError
and every subclass, wherever it is defined; click's BadParameter / UsageError) is built from an English
literal, an f-string or `"...".format()` instead of `_()` / `ngettext()` / `pgettext()`. Helpers that
return such an error (`def _bad_date(...) -> InvalidValue`) count as constructors too: their literal
arguments must be wrapped (`N_()` is enough there, the helper translates). A message kept in a variable
cannot be checked statically; the provoked errors at the bottom catch those at run time.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

from crmcli import i18n

SRC = Path(__file__).resolve().parents[1] / "src" / "crmcli"
WRAPPERS = {"_", "ngettext", "pgettext"}
CLICK_ERRORS = {"BadParameter", "UsageError"}
# (file relative to src/crmcli, function) whose English errors never reach a person. Keep it short and
# say why for each.
ALLOWED: dict[tuple[str, str], str] = {}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


@functools.cache  # parsed once per test process (~1 s of CPU each time); the checks only read the trees
def _trees() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(SRC.rglob("*.py"))}


def _family(trees: dict[Path, ast.Module]) -> set[str]:
    """CrmError and every class deriving from it (transitively) anywhere in the package."""
    family = {"CrmError"}
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in family and \
                        any(_name(b) in family for b in node.bases):
                    family.add(node.name)
                    grown = True
    return family


def _factories(trees: dict[Path, ast.Module], family: set[str]) -> set[str]:
    """Functions annotated to return a user-facing error: `def _fail(raw, why) -> InvalidValue`."""
    return {node.name for tree in trees.values() for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.returns is not None and _name(node.returns) in family}


def _english(node: ast.AST, allow: set[str]) -> list[ast.AST]:
    """Literals under NODE that a person would read untranslated."""
    if isinstance(node, ast.Call):
        func = node.func
        if _name(func) in allow:
            return []
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Call) \
                and _name(func.value.func) in allow:
            return []  # _("... {x}").format(x=...): the arguments are values, not prose
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[A-Za-z]{2}", node.value):
        return [node]
    return [hit for child in ast.iter_child_nodes(node) for hit in _english(child, allow)]


def _enclosing(tree: ast.Module) -> dict[int, str]:
    """id(node) -> name of the innermost function holding it."""
    out: dict[int, str] = {}

    def visit(node: ast.AST, fn: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else fn
            out[id(child)] = name
            visit(child, name)

    visit(tree, "<module>")
    return out


def untranslated() -> list[str]:
    trees = _trees()
    family = _family(trees)
    factories = _factories(trees, family)
    found = []
    for path, tree in trees.items():
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("i18n/build"):
            continue  # the developer tool that compiles the catalogs
        where = _enclosing(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _name(node.func)
            if callee in family or callee in CLICK_ERRORS:
                allow = WRAPPERS
            elif callee in factories:
                allow = WRAPPERS | {"N_"}
            else:
                continue
            args = [*node.args, *(k.value for k in node.keywords if k.arg in ("message", "hint", "why"))]
            if any(_english(a, allow) for a in args) and (rel, where.get(id(node), "")) not in ALLOWED:
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:110]}")
    return found


def test_no_english_only_error_messages() -> None:
    found = untranslated()
    assert not found, ("errors built from English text; wrap the message in _() with a literal msgid and "
                       "str.format placeholders (see crmcli/i18n/__init__.py), add its zh entry:\n  "
                       + "\n  ".join(found))


def _shadowed(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[int], list[int]]:
    """(lines binding `_`, lines calling `_()`) in FN's own scope (comprehensions' calls count, their loop
    variables do not: they have a scope of their own)."""
    binds: list[int] = []
    calls: list[int] = []
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    comps = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, scopes):
                continue
            if isinstance(child, comps):
                calls.extend(c.lineno for c in ast.walk(child)
                             if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "_")
                continue
            if isinstance(child, ast.Name) and child.id == "_" and isinstance(child.ctx, ast.Store):
                binds.append(child.lineno)
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "_":
                calls.append(child.lineno)
            visit(child)

    visit(fn)
    return binds, calls


def test_no_function_hides_the_translator() -> None:
    """`for _, row in rows:` in a function that also calls `_()` makes `_` local: the message then fails
    with UnboundLocalError (or calls a row) on the rare path that shows it."""
    found = []
    for path, tree in _trees().items():
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                binds, calls = _shadowed(fn)
                if binds and calls:
                    found.append(f"{path.relative_to(SRC)}:{binds[0]} {fn.name}() binds _ and calls _() at line {calls[0]}")
    assert not found, "rename the throw-away variable (_row, _sep):\n  " + "\n  ".join(found)


def test_the_guard_sees_what_it_must(tmp_path: Path) -> None:
    """The guard flags each untranslated shape and passes each translated one."""
    family = {"CrmError", "InvalidValue"}
    bad = ['InvalidValue("plain")', 'InvalidValue(f"no {x}")', 'InvalidValue("no {x}".format(x=1))',
           'InvalidValue("ab" + _("b"))', 'InvalidValue(message=f"{x} is bad")']
    good = ['InvalidValue(_("plain"))', 'InvalidValue(_("no {x}").format(x="crm export"))',
            'InvalidValue(ngettext("{n} row", "{n} rows", n).format(n=n))', 'InvalidValue(str(e))',
            'InvalidValue(msg)', 'InvalidValue(f"{a}: {b}")'.replace('f"{a}: {b}"', '_("{a}: {b}").format(a=1, b=2)')]
    for src in bad:
        call = ast.parse(src).body[0].value  # type: ignore[attr-defined]
        assert _name(call.func) in family
        assert any(_english(a, WRAPPERS) for a in [*call.args, *(k.value for k in call.keywords)]), src
    for src in good:
        call = ast.parse(src).body[0].value  # type: ignore[attr-defined]
        assert not any(_english(a, WRAPPERS) for a in call.args), src


def test_the_family_is_found() -> None:
    family = _family(_trees())
    assert {"CrmError", "NotFound", "InvalidValue", "Damaged", "UndoRefusedError", "SourceError"} <= family


@pytest.fixture(autouse=True)
def _reset_lang():  # type: ignore[no-untyped-def]
    yield
    i18n.set_lang("en")


# Words a Chinese message may keep: names of programs and formats, and crm's own command words.
KEEP = {"SQLite", "Excel", "TOML", "JSON", "JSONL", "UTF", "crmcli", "CRM_TODAY", "CRM_DEBUG", "Unicode", "xlsx", "html",
        "json", "jsonl"}


def english_words(line: str, *quoted: str) -> list[str]:
    """ASCII words of 4+ letters a person would read as English in LINE: quoted input (“…”, '…', `…`),
    options (--since), field names in （…）, paths, input keywords (this-month) and the QUOTED texts a test typed are not prose."""
    for q in quoted:
        line = line.replace(q, " ")
    line = re.sub(r"“[^”]*”|'[^']*'|`[^`]*`|（[a-z_]+）|--?[a-z][a-z-]*|\S*/\S*|\w+(?:-\w+)+", " ", line)
    return [w for w in re.findall(r"[A-Za-z_]{4,}", line) if w not in KEEP]


def test_english_words_sees_english() -> None:
    assert english_words("错误：no id 7d") == []  # 3 letters and less are ids and units
    assert english_words("错误：cannot write") == ["cannot", "write"]
    assert english_words("错误：筛选条件“customer_type=老客”：客户类型（customer_type）的值无效 --limit") == []


PROVOKED = [  # (arguments, typed texts that may show up in the message)
    (["query", "customer_type=老客"], ()),
    (["query", "nosuch=1"], ("nosuch",)),
    (["query", "orders.sum()>=1"], ("orders.sum", "amount")),
    (["query", "satisfaction>=many"], ()),
    (["query", "--limit", "-1"], ()),
    (["add", "customer", "--name", "北京华信科技", "--phone", "123"], ()),
    (["add", "customer", "--name", "北京华信科技", "--email", "bad"], ()),
    (["add", "customer", "--name", "北京华信科技", "--satisfaction", "9"], ()),
    (["add", "followup", "--summary", "电话沟通"], ()),
    (["show", "C20990101001"], ()),
    (["update", "C20990101001", "--set", "foo"], ()),
    (["config", "set", "nosuch", "1"], ("nosuch", "lang", "mask", "user", "segment_rules", "region")),
    (["log", "--since", "someday"], ()),
    (["log", "show", "999"], ()),
    (["undo"], ()),
    (["undo", "999", "--yes"], ()),
    (["backup", "--keep", "0"], ()),
    (["unmerge", "abc"], ()),
    (["unmerge", "99"], ()),
    (["merge", "C20990101001", "C20990101001"], ()),
    (["dedupe", "--threshold", "300"], ()),
    (["import", "missing.csv"], ("missing.csv",)),
    (["report", "nosuch"], ("overview", "structure", "funnel", "revenue", "service", "followups", "satisfaction")),
    (["report", "overview", "--by", "week"], ("month", "quarter")),
    (["segment", "show", "nosuch"], ("nosuch",)),
    (["segment", "run", "--param", "churn_days"], ("churn_days",)),
    (["export", "all", "--format", "csv"], ()),
    (["export", "customers", "-o", "/nonexistent-dir/x.csv"], ()),
]


@pytest.mark.parametrize("lang", ["zh", "zh-Hant"])
@pytest.mark.parametrize(("args", "typed"), PROVOKED, ids=[" ".join(a) for a, _t in PROVOKED])
def test_provoked_errors_read_chinese(cli, lang: str, args: list[str], typed: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    r = cli("--lang", lang, *args)
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    line = lines[0]
    assert line.startswith("错误：" if lang == "zh" else "錯誤："), line
    assert not english_words(line, *typed), line
    if lang == "zh-Hant":
        from crmcli.i18n.script import simplified

        assert simplified(line) != line or not re.search(r"[\u4e00-\u9fff]{4}", line), line  # Traditional wording


def test_no_database_reads_chinese(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("--lang", "zh", "query", db=tmp_path / "none" / "x.db")
    assert r.exit_code == 1
    assert r.stderr.startswith("错误：") and "处没有数据库" in r.stderr and not english_words(r.stderr), r.stderr


def test_restore_from_a_bad_file_reads_chinese(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "notes.db"
    bad.write_text("not a database", encoding="utf-8")
    for args, words in ((["restore", str(bad), "--yes"], "不是 SQLite 数据库"), (["restore", str(tmp_path / "none.db")], "文件")):
        r = cli("--lang", "zh", *args)
        assert r.exit_code == 1 and r.stderr.startswith("错误：") and words in r.stderr, r.output
        assert not english_words(r.stderr), r.stderr


def test_undo_and_merge_talk_chinese(cli) -> None:  # type: ignore[no-untyped-def]
    import getpass

    assert cli("--lang", "zh", "add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678").exit_code == 0
    r = cli("--lang", "zh", "undo", "--yes")
    assert r.exit_code == 0, r.output
    assert "已撤销：删除 1 条" in r.stderr and "`crm undo 2` 可重做" in r.stderr, r.stderr
    assert not [w for line in r.stderr.splitlines() for w in english_words(line, getpass.getuser())], r.stderr
    a = cli("add", "customer", "--name", "上海星辰贸易有限公司", "--phone", "13912345678").stdout.strip()
    b = cli("add", "customer", "--name", "上海星辰贸易", "--email", "x@star.cn", "--force").stdout.strip()
    r = cli("--lang", "zh", "merge", a, b, "--yes")
    assert r.exit_code == 0, r.output
    assert f"保留 {a}；把 {b} 合并进来" in r.stderr and "联系邮箱（email）" in r.stderr, r.stderr
    r = cli("--lang", "zh-Hant", "unmerge", r.stdout.strip())
    assert r.exit_code == 0, r.output
    assert "已撤銷" in r.stderr, r.stderr
    r = cli("--lang", "zh", "log", "--format", "csv")
    assert "撤销操作 1：新增客户基本信息" in r.stdout and "拆分合並 1" in r.stdout and "合并到" in r.stdout, r.stdout


def test_interactive_dedupe_asks_in_chinese(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678")
    cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678", "--force")
    monkeypatch.setenv("CRM_INTERACTIVE", "1")
    r = cli("--lang", "zh", "dedupe", "--merge", input="x\nm\n")
    assert r.exit_code == 0, r.output
    assert "[m]合并、[s]跳过" in r.output and "请回答 m、s、n、p、d 或 q" in r.output, r.output
    assert "已把 " in r.output, r.output


@pytest.mark.parametrize("lang", ["zh", "zh-Hant"])
def test_import_errors_read_chinese(cli, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    big5 = tmp_path / "b5.csv"
    big5.write_bytes("客戶名稱,聯絡電話\n華信,13812345678\n".encode("cp950"))
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 2)
    (tmp_path / "nohead.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text("客户名称,联系电话\n北京华信,123\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    cases = [[str(big5), "--encoding", "utf-8"], [str(tmp_path / "bin.csv")], [str(tmp_path / "nohead.csv")],
             [str(tmp_path / "bad.csv")], [str(tmp_path / "empty.csv")], [str(tmp_path)], [str(big5), "--sheet", "x"]]
    for args in cases:
        r = cli("import", *args, "--lang", lang)
        assert r.exit_code == 1, (args, r.output)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0][:3] in ("错误：", "錯誤："), (args, r.output)
        assert not english_words(lines[0], "charset-normalizer"), (args, lines[0])


def test_update_log_and_config_talk_chinese(cli) -> None:  # type: ignore[no-untyped-def]
    cid = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678").stdout.strip()
    r = cli("--lang", "zh", "update", cid, "--set", "status=意向", "--set", "needs=统一客户档案", "--set", "budget=10万")
    assert r.exit_code == 0, r.output
    assert f"{cid} 合作状态（status）：潜在 -> 意向" in r.stderr, r.stderr
    r = cli("--lang", "zh", "update", "name~华信", "--set", "level=VIP", "--yes")
    assert r.exit_code == 0 and "匹配 1 条客户基本信息" in r.stderr and "已修改 1 条客户基本信息" in r.stderr, r.output
    r = cli("--lang", "zh", "log", "show", "2", "--format", "csv")
    assert "合作状态：潜在 -> 意向" in r.stdout, r.stdout
    r = cli("--lang", "zh", "config", "set", "user", "小王")
    assert r.exit_code == 0 and "中设置 user" in r.stderr, r.output
    r = cli("--lang", "zh", "config", "list")
    assert "# 你的名字" in r.stdout, r.stdout


def test_sqlite_and_os_reasons_read_chinese_and_stay_english_under_en() -> None:
    import errno
    import sqlite3

    from crmcli.errors import reason, sqlite_reason

    locked = sqlite3.OperationalError("database is locked")
    check = sqlite3.IntegrityError("CHECK constraint failed: amount >= 0")
    denied = PermissionError(errno.EACCES, "Permission denied")
    assert (sqlite_reason(locked), sqlite_reason(check), reason(denied)) == (
        "database is locked", "CHECK constraint failed: amount >= 0", "Permission denied")
    i18n.set_lang("zh")
    assert sqlite_reason(locked) == "另一个程序正在写入数据库；请稍后再试"
    assert sqlite_reason(check) == "值不符合规则 amount >= 0"
    assert reason(denied) == "没有权限"
    assert sqlite_reason(sqlite3.OperationalError("no such table: x")) == "no such table: x"  # an unknown shape as it is


def test_a_refused_write_reads_chinese(cli) -> None:  # type: ignore[no-untyped-def]
    cid = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678").stdout.strip()
    r = cli("--lang", "zh", "add", "order", "--customer", cid, "--amount", "-5")
    assert r.exit_code == 1 and r.stderr.strip() == "错误：数据库拒绝了这次修改：值不符合规则 amount >= 0", r.output


def test_traditional_errors_suggest_in_traditional(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--lang", "zh-Hant", "query", "客戶類型=老客")
    assert "是否要找：老客戶？" in r.stderr and "老客户" not in r.stderr, r.stderr
    r = cli("--lang", "zh-Hant", "add", "customer", "--name", "北京華信", "--phone", "12")
    assert "國家或地區區號" in r.stderr and "程式碼" not in r.stderr, r.stderr  # s2twp reads 代码 as program code
