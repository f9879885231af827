"""crm segment run / list / show / diff / explain / rules / history: the template's customer tiers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli.cli import complete, progress
from crmcli.cli.common import FormatOpt, emit, guard, info, pick_format, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import N_, _, ngettext, pgettext, zh_text

RulesOpt = Annotated[Path | None, typer.Option("--rules", metavar="FILE", help="TOML rules (else config segment_rules, else built-in)")]
ParamOpt = Annotated[list[str] | None, typer.Option("--param", "-p", metavar="NAME=VALUE", help="override a threshold (repeatable)")]
DateOpt = Annotated[str | None, typer.Option("--date", metavar="DATE", help="as of this day: YYYY-MM-DD, -7d ... (default today)")]
SortOpt = Annotated[str | None, typer.Option("--sort", help="column,-column (minus: descending)")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", help="at most N rows")]


# `segment list` on a terminal: the label stands for the segment; scripts keep both English keys.
LIST_HEADS = {"label": N_("Segment"), "customers": N_("Customers"), "share": N_("Share"),
              "previous": N_("Previous run"), "change": N_("Change from previous run")}


def _seg_label(rs: Any, name: str | None) -> str:
    """Segment NAME as a person reads it in the current language (churn_risk -> 流失风险)."""
    if name is None:
        return _("(none)")
    lang = state.language()
    if lang == "en":
        return name
    from crmcli.errors import InvalidValue

    try:
        return str(rs.get(name).label(lang))
    except InvalidValue:  # a name no longer in the rules (an older run's segment): the built-in label, if any
        return _builtin_label(name, lang)


def _builtin_label(name: str, lang: str) -> str:
    """A built-in segment's label (fields.SEGMENT) in LANG; another name as it is."""
    from crmcli import fields

    lab = next((x for x in fields.SEGMENT if x.value == name), None)
    return name if lab is None or lang == "en" else zh_text(lab.zh, lang)


EXPLAIN_HEADS = {"rule": N_("Rule"), "label": N_("Segment"), "line": N_("Line"), "filter": N_("Filter"),
                 "figure": N_("Customer's figure"), "holds": N_("Holds"), "line_holds": N_("Line holds"),
                 "rule_holds": N_("Rule holds")}
SEGMENT_COLUMNS = {"previous": N_("Previous segment"), "before": N_("Before"), "after": N_("After")}
HISTORY_COLUMNS = ["run_id", "run_date", "created_at", "customers", "counts", "state"]
HISTORY_HEADS = {"run_id": N_("Run ID"), "run_date": N_("Run date"), "created_at": N_("Run at"),
                 "customers": N_("Customers"), "counts": N_("Customers per segment"), "state": N_("State")}
ORIGINS = {"built-in rules": N_("built-in rules"), "rules from stdin": N_("rules from stdin")}


def _run_state(name: str) -> str:
    """segments.history's state of a run, translated."""
    return {"current": pgettext("run state", "current"), "history": pgettext("run state", "history"),
            "superseded": pgettext("run state", "superseded")}.get(name, name)


def _counts(rs: Any, counts: dict[str, int]) -> str:
    """Customers per segment, in the rules' order: `lost 41, churn_risk 74` / `已流失 41、流失风险 74`."""
    sep = ", " if state.language() == "en" else "、"
    return sep.join(f"{_seg_label(rs, name)} {counts.get(name, 0)}" for name in rs.names())


def _emit_customers(rows: Any, cols: list[str], fmt: str | None, rs: Any, title: str) -> int:
    """`segment show` / `diff` rows; on a Chinese terminal table segment names read as their labels and
    the figures carry their Chinese names (scripts keep the English keys and names)."""
    if state.language() == "en" or pick_format(fmt) != "table":
        return emit(rows, cols, fmt, table="customers", title=title)
    from crmcli import fields

    lang = state.language()
    tables = [fields.TABLES["customers"], fields.TABLES["customer_metrics"]]
    heads = [_(SEGMENT_COLUMNS[c]) if c in SEGMENT_COLUMNS
             else next((t.by_name[c].label(lang) for t in tables if c in t.by_name), c) for c in cols]
    shown = [{c: (_seg_label(rs, r[c]) if r[c] else None) if c in SEGMENT_COLUMNS else r[c] for c in cols}
             for r in rows]
    return emit(shown, cols, fmt, table="customers", title=title, heads=heads)


def _rules(path: Path | None, params: list[str] | None, as_of: Any = None) -> Any:
    from crmcli import segments

    return segments.load(path, overrides=segments.parse_params(params), today=as_of)


def _day(text: str | None) -> Any:
    from datetime import date

    from crmcli import segments

    day = segments.parse_day(text)
    return date.fromisoformat(day) if day else None


def _figures_line(f: dict[str, Any]) -> str:
    def num(key: str, fmt: str) -> str:
        v = f.get(key)
        return pgettext("figure", "none") if v is None else format(v, fmt)

    return _("Figures: yearly amount {yearly}, repurchase rate {rate} ({months} of 12 months), days since "
             "interaction {days}, average satisfaction {satisfaction}, growth {growth}, deals {deals}.").format(
        yearly=num("yearly_amount", ",.2f"), rate=num("repurchase_rate", ".0%"), months=f.get("active_months", 0),
        days=num("days_since_interaction", "d"), satisfaction=num("avg_satisfaction", ".2f"),
        growth=num("growth", "+.0%"), deals=f.get("deals", 0))


def _explain(customer_id: str, rules: Path | None, params: list[str] | None, on: str | None, fmt: str | None) -> None:
    from crmcli import segments

    as_of = _day(on)
    rs = _rules(rules, params, as_of)
    ex = segments.explain(state.conn(), customer_id, rs, as_of)
    lang = state.language()
    for row in ex.rows:
        row["label"] = rs.get(row["rule"]).label(lang)
    if lang == "en":
        verdict = rs.get(ex.segment).label(lang) if ex.segment else "(none)"
        title = f"{ex.customer_id} {ex.name}: {ex.segment} ({verdict}) as of {ex.as_of}, first matching rule"
    else:
        title = _("{id} {name}: {segment} as of {day}, first matching rule").format(
            id=ex.customer_id, name=ex.name, segment=_seg_label(rs, ex.segment), day=ex.as_of)
    if lang == "en" or pick_format(fmt) != "table":
        emit(ex.rows, segments.EXPLAIN_COLUMNS, fmt, title=title)
    else:
        rows = [{k: (_("holds") if v else _("does not hold")) if isinstance(v, bool) else
                 _("(everyone)") if k == "filter" and v == "(everyone)" else  # segments.explain's catch-all
                 _shown_figure(r["filter"], v, lang) if k == "figure" else v
                 for k, v in r.items()} for r in ex.rows]
        emit(rows, segments.EXPLAIN_COLUMNS, fmt, title=title,
             heads=[_(EXPLAIN_HEADS[c]) for c in segments.EXPLAIN_COLUMNS])
    info(_("{title}. {figures}").format(title=title, figures=_figures_line(ex.figures)))
    if ex.stored_run_date is None:
        info(_("No segment run yet: `crm segment run` stores it."))
    elif ex.stored != ex.segment:
        info(_("The current run ({day}) has it as {segment}; the data has changed since — `crm segment run` "
               "updates it.").format(day=ex.stored_run_date, segment=_seg_label(rs, ex.stored)))


def _shown_figure(flt: str, value: Any, lang: str) -> Any:
    """The customer's value a filter compares, as a person reads it: status `active` -> 合作中."""
    if value is None or flt == "(everyone)":
        return value
    from crmcli import fields, filters

    term = filters.parse(flt, "customers")
    if term.module is not None or term.field is None or not term.field.labels:
        return value
    return fields.display(term.field, value, lang)


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


seg = new_app(help="Customer tiers (客户分层) by rules: 高价值, 潜力, 普通, 流失风险 — with history.",
                  no_args_is_help=False, invoke_without_command=True)
app.add_typer(seg, name="segment")


@seg.callback()
@guard
def _segment(
    ctx: typer.Context,
    explain: Annotated[str | None, typer.Option("--explain", metavar="ID", help="why customer ID is in its segment")] = None,
    rules: RulesOpt = None,
    params: ParamOpt = None,
    on: DateOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Classify customers into tiers by rules, keep every run, review who moved.

    Example: crm segment run
    Example: crm segment diff --since -7d
    Example: crm segment --explain C20241122001
    """
    if ctx.invoked_subcommand is not None:
        return
    if explain is None:
        typer.echo(ctx.get_help(), err=True)
        raise typer.Exit(2)
    _explain(explain, rules, params, on, fmt)


@seg.command("run")
@guard
def run_cmd(on: DateOpt = None, rules: RulesOpt = None, params: ParamOpt = None) -> None:
    """Classify every customer (one transaction) and store the run; twice a day changes nothing.

    Example: crm segment run
    Example: crm segment run --rules my_rules.toml --param churn_days=60
    """
    from crmcli import segments

    as_of = _day(on)
    rs = _rules(rules, params, as_of)
    with progress.task(_("segment run: classifying customers")):
        res = segments.run(state.conn(), rs, as_of)
    parts = _counts(rs, res.counts)
    if res.unchanged:
        info(_("segment run {day}: unchanged since run {run} ({counts}); nothing written").format(
            day=res.run_date, run=res.run_id, counts=parts))
        return
    where = _("customers.segment updated") if res.current else _("stored as history (a later run is current)")
    info(ngettext("segment run {run} for {day}: {n} customer — {counts}; {moved} changed segment; {where}",
                  "segment run {run} for {day}: {n} customers — {counts}; {moved} changed segment; {where}",
                  res.customers).format(run=res.run_id, day=res.run_date, n=res.customers, counts=parts,
                                        moved=res.moved, where=where))


@seg.command("list")
@guard
def list_cmd(on: DateOpt = None, fmt: FormatOpt = None) -> None:
    """Count customers per segment, with the change since the previous run.

    Example: crm segment list
    Example: crm segment list --date 2024-06-30 --format csv
    """
    from crmcli import segments

    lang = state.language()
    run, rows = segments.summary(state.conn(), on=segments.parse_day(on), lang=lang)
    title = _("Segments of run {run} ({day})").format(run=run["run_id"], day=run["run_date"])
    if lang != "en" and pick_format(fmt) == "table":
        emit(rows, list(LIST_HEADS), fmt, title=title, heads=[_(h) for h in LIST_HEADS.values()])
    else:
        emit(rows, segments.LIST_COLUMNS, fmt, title=title)


@seg.command("show")
@guard
def show_cmd(
    name: Annotated[str, typer.Argument(help="segment name or label: high_value, 高价值, churn_risk ...")],
    on: DateOpt = None, sort: SortOpt = None, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List a segment's customers with the figures that put them there.

    Example: crm segment show 高价值
    Example: crm segment show churn_risk --sort -days_since_interaction --limit 20
    """
    from crmcli import segments

    run, seg_name, rows = segments.members(state.conn(), name, on=segments.parse_day(on), sort=sort, limit=limit)
    rs = segments.rules_of(run)
    _emit_customers(rows, segments.SHOW_COLUMNS, fmt, rs, _("{segment} in run {run} ({day})").format(
        segment=_seg_label(rs, seg_name), run=run["run_id"], day=run["run_date"]))


@seg.command("diff")
@guard
def diff_cmd(
    since: Annotated[str | None, typer.Option("--since", help="base run: this day or before")] = None,
    segment: Annotated[str | None, typer.Option("--segment", "-s", help="only moves into or out of this segment")] = None,
    review: Annotated[bool, typer.Option("--review", help="only moves into or out of the weekly-review segments")] = False,
    sort: SortOpt = None, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """Who moved between tiers: the weekly review list.

    Example: crm segment diff --since -7d --review
    Example: crm segment diff --segment 流失风险 --format csv > moved.csv
    """
    from crmcli import segments

    run, base, rows = segments.moves(state.conn(), since=segments.parse_day(since), segment=segment, review=review,
                                     sort=sort, limit=limit)
    n = _emit_customers(rows, segments.DIFF_COLUMNS, fmt, segments.rules_of(run),
                        _("Moves from run {base} ({base_day}) to run {run} ({day})").format(
                            base=base["run_id"], base_day=base["run_date"], run=run["run_id"], day=run["run_date"]))
    info(ngettext("{n} customer listed who moved between {base_day} and {day}",
                  "{n} customers listed who moved between {base_day} and {day}", n).format(
        n=n, base_day=base["run_date"], day=run["run_date"]))


@seg.command("explain")
@guard
def explain_cmd(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="customer id or name",
                                               autocompletion=complete.customer_ids)],
    on: DateOpt = None, rules: RulesOpt = None, params: ParamOpt = None, fmt: FormatOpt = None,
) -> None:
    """Why a customer is in its segment: each rule, each filter, the customer's figure.

    Example: crm segment explain C20241122001
    """
    _explain(customer_id, rules, params, on, fmt)


@seg.command("rules")
@guard
def rules_cmd(rules: RulesOpt = None, params: ParamOpt = None) -> None:
    """Print the rules in use (the built-in defaults unless --rules or the config says otherwise).

    Example: crm segment rules > my_rules.toml
    Example: crm segment rules --rules my_rules.toml   (checks the file)
    """
    rs = _rules(rules, params)
    typer.echo(rs.to_toml() if params else rs.source, nl=False)
    origin = _(ORIGINS[rs.origin]) if rs.origin in ORIGINS else rs.origin
    info(ngettext("{n} rule from {origin}: {names}", "{n} rules from {origin}: {names}", len(rs.rules)).format(
        n=len(rs.rules), origin=origin, names=", ".join(rs.names()) if state.language() == "en" else
        "、".join(f"{_seg_label(rs, name)}（{name}）" for name in rs.names())))


@seg.command("history")
@guard
def history_cmd(fmt: FormatOpt = None) -> None:
    """List the stored runs, newest first, with their counts.

    Example: crm segment history
    """
    from crmcli import segments

    rows = segments.history(state.conn())
    if state.language() == "en" or pick_format(fmt) != "table":
        emit(rows, HISTORY_COLUMNS, fmt)
        return
    import json

    from crmcli import fields

    lang = state.language()
    order = {lab.value: i for i, lab in enumerate(fields.SEGMENT)}

    def counts(text: str) -> str:  # a run's counts name its segments; the registry knows the built-in ones
        found = sorted(json.loads(text).items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        return "、".join(f"{_builtin_label(k, lang)} {v}" for k, v in found)

    shown = [{**r, "counts": counts(r["counts"]),
              "state": _run_state(r["state"])} for r in rows]
    emit(shown, HISTORY_COLUMNS, fmt, heads=[_(HISTORY_HEADS[c]) for c in HISTORY_COLUMNS])
