"""crm export / crm template: data out for pipelines and people, and the blank template workbook."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli import complete, progress
from crmcli.cli.common import ForceOpt, database_avoid, guard, info, mask_default, overwrite, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import _, pgettext

_FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
_ARGS_HELP = "a module (default customers) or all, then filters"
_FORMAT_HELP = "csv, tsv, json, jsonl or xlsx (default: from the -o suffix, else csv)"
_OUTPUT_HELP = "file (- = stdout, the default); a folder for `all` as csv/tsv/json/jsonl"
_LANG_HELP = "zh, zh-Hant or en: the template's labels for headers and values (xlsx default: zh, zh-Hant under zh-Hant)"
_ENCODING_HELP = "utf-8, utf-8-sig, gbk or gb18030 (default utf-8; a csv/tsv file gets utf-8-sig, with BOM)"


def _split_table(args: list[str]) -> tuple[str, list[str]]:
    """`all` (every module), else the module and filters as `crm query` reads them."""
    from crmcli import fields, filters

    if args and fields.fold(args[0]) in ("all", "全部"):
        return "all", args[1:]
    return filters.split_module(args)


def _choice(value: str | None, allowed: tuple[str, ...], hint: str) -> str | None:
    if value is None:
        return None
    if value.lower() not in allowed:
        raise typer.BadParameter(_("'{value}' is not one of {choices}").format(value=value, choices=", ".join(allowed)), param_hint=hint)
    return value.lower()


def _lang(value: str | None) -> str | None:
    """A command's own --lang: en, zh or zh-Hant (zh_TW, zh-hant ... as the global option reads them)."""
    if value is None:
        return None
    from crmcli.i18n import normalize

    lang = normalize(value)
    if lang is None:
        raise typer.BadParameter(_("'{value}' is not one of {allowed}").format(value=value, allowed="zh, zh-Hant, en"),
                                 param_hint="--lang")
    return lang


def _table_name(name: str) -> str:
    """A module as the summary names it: `customers`, or 客户基本信息 under zh."""
    from crmcli import fields

    lang = state.language()
    return name if lang == "en" else fields.TABLES[name].label_zh(lang)


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command()
@guard
def export(
    args: Annotated[list[str] | None, typer.Argument(metavar="[TABLE|all] [FILTER]...", help=_ARGS_HELP,
                                                     autocompletion=complete.filters)] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=_FORMAT_HELP)] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help=_OUTPUT_HELP)] = None,
    columns: Annotated[str | None, typer.Option("--columns", "-c", help="a,b,c (default: all)")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=_LANG_HELP)] = None,
    unmask: Annotated[bool, typer.Option("--unmask", help="full phones and emails (recorded in the operation log)")] = False,
    encoding: Annotated[str | None, typer.Option("--encoding", help=_ENCODING_HELP)] = None,
    force: ForceOpt = False,
) -> None:
    """Export records as CSV, TSV, JSON, JSONL or an Excel workbook; phones and emails masked.

    \b
    Example: crm export orders orders.date>=-1m | csvstat
    Example: crm export customers tag=重点维护 -o 重点客户.xlsx
    Example: crm export all -o 全部客户.xlsx --unmask
    """
    from crmcli import exporter

    fmt = _choice(fmt, _FORMATS, "--format")
    encoding = _choice(encoding, _ENCODINGS, "--encoding")
    lang = _lang(lang) or state.lang  # a global --lang given on purpose
    if lang is None and state.language() == "zh-Hant" and exporter.format_for(output, fmt) == "xlsx":
        lang = "zh-Hant"  # a workbook is for people: in their script (machine formats keep the stored values)
    table, flt = _split_table(list(args or []))
    full = unmask or not mask_default()
    with progress.task(_("export")):
        result = exporter.export(state.conn(), table, flt, fmt=fmt, output_path=output, columns=columns, lang=lang,
                                 unmask=full, encoding=encoding, force=overwrite(force))
    for w in result.warnings:
        info(_("Warning: {message}").format(message=w))
    if output and output != "-":
        what = (", " if state.language() == "en" else "、").join(
            pgettext("export summary", "{n} {table}").format(n=f"{n:,}", table=_table_name(t)) for t, n in result.rows.items())
        info(_("exported {what} to {file} ({format})").format(what=what, file=output, format=result.fmt))
    if result.op_id is not None:
        reason = "--unmask" if unmask else "config mask=false"
        info(_("phones and emails in full ({reason}): recorded as operation {op}").format(reason=reason, op=result.op_id))


@app.command()
@guard
def template(
    output: Annotated[str, typer.Option("--output", "-o", help="the workbook to write, e.g. 客户信息模板.xlsx")],
    lang: Annotated[str | None, typer.Option("--lang", help="zh (default), zh-Hant or en: sheet names, headers, "
                                             "dropdowns, instructions")] = None,
    force: ForceOpt = False,
) -> None:
    """Write the blank template workbook: one sheet per module, dropdowns for fixed labels, instructions.

    Fill it in and load it with `crm import FILE.xlsx`.

    \b
    Example: crm template -o 客户信息模板.xlsx
    Example: crm template -o template-en.xlsx --lang en
    """
    from crmcli import workbook

    lang = _lang(lang) or state.lang or ("zh-Hant" if state.language() == "zh-Hant" else "zh")  # the template is Chinese
    sheets = workbook.write_template(output, lang, force=overwrite(force), avoid=database_avoid())
    info(_("wrote {file}: sheets {sheets}").format(file=output, sheets=(", " if state.language() == "en" else "、").join(sheets)))
