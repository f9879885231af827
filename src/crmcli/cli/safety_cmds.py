"""crm log / undo / backup / restore / doctor / maintain: nothing lost."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli.cli import complete, progress
from crmcli.cli.common import (
    FormatOpt,
    UnmaskOpt,
    confirm,
    emit,
    guard,
    info,
    interactive,
    mask_default,
    pick_format,
    shown,
    state,
)
from crmcli.cli.lazy import new_app
from crmcli.i18n import N_, _, ngettext, pgettext

CHANGE_COLUMNS = ["change_id", "table_name", "row_id", "customer_id", "action", "diff"]
# Terminal-table headers (scripts keep the English keys).
LOG_HEADS = {"op_id": N_("Op"), "ts": N_("Time"), "user": N_("User"), "kind": N_("Operation"),
             "summary": N_("Summary"), "changes": N_("Changes"), "undone_by": N_("Undone by"),
             "command": N_("Command line")}
CHANGE_HEADS = {"change_id": N_("Change"), "table_name": N_("Module"), "row_id": N_("Record"),
                "customer_id": N_("Customer"), "action": N_("Action"), "diff": N_("Field: old -> new")}


def _json_out(data: Any) -> None:
    from crmcli.output import write_document

    write_document(data, transform=shown)


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


log_app = new_app(help="The operation log: who changed what, when (操作日志).",
                      invoke_without_command=True)


@log_app.callback()
@guard
def log(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Option("--customer", "-c", help="only operations that touched this customer",
                                                 autocompletion=complete.customer_ids)] = None,
    since: Annotated[str | None, typer.Option("--since", help="from this date on: 2024-05-01, -7d, this-month")] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="add, update, bulk-update, tag, import, merge, undo ...")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="at most N operations (newest first)")] = None,
    fmt: FormatOpt = None,
    unmask: UnmaskOpt = False,
) -> None:
    """List logged operations, newest first; `crm log show OP_ID` lists the rows one changed.

    Example: crm log --since -7d
    Example: crm log --customer C20241122001 --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from crmcli import audit

    fmt = pick_format(fmt)
    screenful = limit is None and fmt == "table"
    if screenful:
        limit = 50  # a screenful; scripts (csv/json) get everything
    rows = audit.operations(state.conn(), customer=customer, since=since, kind=kind, limit=limit)
    if screenful and len(rows) == limit:
        info(_("(the newest {limit}; --limit N or --since DATE for more)").format(limit=limit))
    # The command line is long: scripts get it, the terminal table leaves it to `crm log show`.
    # The stored command line holds what was typed (--phone 13812345678): shown masked.
    rows = [{**r, "command": shown(r["command"]), "summary": shown(r["summary"] or "")} for r in rows]
    if fmt == "table" and state.language() != "en":  # scripts keep the kinds' English keys
        from crmcli.cli.history_view import shown_kind

        rows = [{**r, "kind": shown_kind(r["kind"])} for r in rows]
    cols = audit.LOG_COLUMNS if fmt != "table" else audit.LOG_COLUMNS[:-1]
    emit(rows, cols, fmt, heads=[_(LOG_HEADS[c]) for c in cols] if state.language() != "en" else None)


@log_app.command("show")
@guard
def log_show(
    op_id: Annotated[int, typer.Argument(metavar="OP_ID", help="an operation id from `crm log`", max=2**63 - 1)],
    fmt: FormatOpt = None,
    unmask: UnmaskOpt = False,
) -> None:
    """List the rows one operation changed, as field: old -> new.

    Example: crm log show 42
    """
    from crmcli import audit
    from crmcli.cli.history_view import readable

    conn = state.conn()
    op = audit.get_operation(conn, op_id)
    unmask = unmask or not mask_default()
    rows = [readable(c, unmask) for c in audit.operation_changes(conn, op_id)]
    info(_("operation {op} {ts} {user} {kind}: {summary}").format(
        op=op["op_id"], ts=op["ts"], user=op["user"], kind=op["kind"], summary=op["summary"] or "")
         + (_(" (undone by {op})").format(op=op["undone_by"]) if op["undone_by"] else ""))
    info(_("command: {command}").format(command=op["command"]))
    if op.get("details"):
        info(_("details: {details}").format(details=json.dumps(op["details"], ensure_ascii=False, default=str)))
    if (fmt or "").lower() in ("json", "jsonl"):
        emit(rows, [*CHANGE_COLUMNS, "old", "new"], fmt, unmask=True)
    elif state.language() == "en" or pick_format(fmt) != "table":
        emit(rows, CHANGE_COLUMNS, fmt, unmask=True)
    else:  # a person reads it: modules and actions in their language too
        from crmcli.cli.counts import table_name
        from crmcli.cli.history_view import shown_action

        rows = [{**r, "table_name": table_name(r["table_name"]), "action": shown_action(r["action"])} for r in rows]
        emit(rows, CHANGE_COLUMNS, fmt, unmask=True, heads=[_(CHANGE_HEADS[c]) for c in CHANGE_COLUMNS])


app.add_typer(log_app, name="log")


@app.command()
@guard
def undo(
    op_id: Annotated[int | None, typer.Argument(
        metavar="[OP_ID]", help="the operation to reverse (default: the last one)", max=2**63 - 1)] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask (scripts)")] = False,
) -> None:
    """Reverse one logged operation exactly (an add, a bulk update, an import ...), or say why not.

    Example: crm undo
    Example: crm undo 42 --yes
    """
    from crmcli import audit
    from crmcli import undo as lib

    conn = state.conn()
    target = lib.last_undoable(conn) if op_id is None else op_id
    op = lib.check(conn, target)
    n = audit.count_changes(conn, target)
    info(ngettext("operation {op} ({ts}, {user}): {summary} — {n} row change", "operation {op} ({ts}, {user}): {summary} — {n} row changes",
                  n).format(op=target, ts=op["ts"], user=op["user"], summary=op["summary"] or op["kind"], n=n))
    if n and not yes:  # show a person what they are about to reverse
        from crmcli.cli.counts import table_name
        from crmcli.cli.history_view import readable

        for c in audit.operation_changes(conn, target, limit=5):
            info(f"  {table_name(c['table_name'])} {c['row_id']}: {readable(c, not mask_default())['diff']}")
        if n > 5:
            info("  " + _("… and {n} more (`crm log show {op}`)").format(n=n - 5, op=target))
    if not confirm(_("undo operation {op}?").format(op=target), yes):
        info(_("nothing undone"))
        raise typer.Exit(1)
    res = lib.undo(conn, target)
    if res.via:
        info(_("undone by {via} (logged as operation {op})").format(via=res.via, op=res.undo_op_id))
        return
    c = res.counts
    info(_("undone: {removed} removed, {restored} restored, {back} put back (logged as operation {op}; "
           "`crm undo {op}` redoes it)").format(removed=c["delete"], restored=c["update"], back=c["insert"], op=res.undo_op_id))


@app.command("backup")
@guard
def backup_cmd(
    out: Annotated[Path | None, typer.Option("--output", "-o", help="file or directory (default: backups/ by the db)")] = None,
    keep: Annotated[int | None, typer.Option("--keep", help="keep only the newest N automatic backups there")] = None,
) -> None:
    """Make a consistent, verified copy of the database (safe while others write); prints its path.

    Example: crm backup --keep 12
    Example: crm backup -o /mnt/usb/crm-2024-05.db
    """
    from crmcli import backup as lib

    with progress.task(_("backup: copying and verifying")):
        res = lib.backup(state.conn(), state.db_path(), out, keep=keep)
    info(_("backup verified (integrity ok, schema {version}): {customers} customers, {size} bytes").format(
        version=res.schema_version, customers=res.counts.get("customers", 0), size=f"{res.size:,}")
         + (_("; removed {n} old backup(s)").format(n=len(res.removed)) if res.removed else ""))
    typer.echo(str(res.path))


@app.command()
@guard
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="a backup made by `crm backup`")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask (scripts)")] = False,
    force: Annotated[bool, typer.Option("--force", help="leave behind triggers, views and tables crm did not "
                                        "define, and keep rows pointing nowhere")] = False,
) -> None:
    """Replace the database with a backup, after rebuilding it through crm's schema; the current one is kept.

    Example: crm restore backups/crm-20240501-020000.db
    """
    from crmcli import restore as lib

    target = state.db_path()
    prepared = lib.prepare(target, file, force=force)
    try:
        c = prepared.counts
        info(_("{file}: integrity ok, schema {version}, every row passes crm's schema: {customers} customers, "
               "{operations} logged operations").format(file=file, version=prepared.schema_version,
                                                        customers=c.get("customers", 0), operations=c.get("operations", 0)))
        for what in prepared.stripped:
            info(_("left behind (--force): {what}").format(what=what))
        for what in prepared.orphans:
            info(_("kept (--force): {what}").format(what=what))
        if lib.current_state(target) == "damaged":
            info(_("{db} is damaged: it is kept as it is in {folder}").format(db=target,
                                                                             folder=lib.backup.default_dir(target)))
        if not confirm(_("replace {db} with it?").format(db=target), yes):
            info(_("nothing restored"))
            raise typer.Exit(1)
        state.close()
        res = lib.commit(target, prepared)
    finally:
        lib.discard(prepared)
    if res.safety_copy:
        info(_("the database as it was is kept at {path}").format(path=res.safety_copy))
    info(_("restored {db} from {file} (logged as operation {op})").format(db=target, file=file, op=res.op_id))


@app.command()
@guard
def doctor(
    fix: Annotated[bool, typer.Option("--fix", help="repair what can be repaired safely (logged: crm log show)")] = False,
    full: Annotated[bool, typer.Option("--full", help="PRAGMA integrity_check: also compare every index entry with "
                                       "its row (4x slower; the default quick_check + index counts misses only a "
                                       "stale key inside an index)")] = False,
    quick: Annotated[bool, typer.Option("--quick", hidden=True, help="the default now (kept for scripts)")] = False,
    unmask: UnmaskOpt = False,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="table or json")] = None,
    salvage: Annotated[bool, typer.Option("--salvage", help="copy every readable row of a damaged database "
                                          "into a new, checked file; prints its path")] = False,
    out: Annotated[Path | None, typer.Option("--output", "-o", help="where --salvage writes (default: "
                                             "<db>-salvaged-<time>.db next to the database)")] = None,
) -> None:
    """Check the database: integrity, orphans, labels, formats, masked phones, ids, schema drift.

    Exit 0 when healthy, 3 when problems remain (each says what --fix would do). A damaged
    file names the latest good backup to restore, or `crm doctor --salvage`.

    Example: crm doctor
    Example: crm doctor --fix
    Example: crm doctor --salvage
    """
    from crmcli import doctor as lib

    if salvage:
        _salvage(out)
        return
    findings, fixed = _diagnose(fix, quick or not full)
    fmt = pick_format(fmt or ("table" if sys.stdout.isatty() else "json"), ("table", "json"))
    if fmt == "json":
        from crmcli.findings import shown as words

        _json_out({**lib.summary(findings), "fixed": [words(line) for line in fixed]})
    else:
        _print_findings(findings, fix)
    if findings:
        raise typer.Exit(3)
    info(_("no problems found"))


@app.command()
@guard
def maintain(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="apply: merge sure duplicates and run segments (cron)")] = False,
    keep: Annotated[int, typer.Option("--keep", help="automatic backups to keep")] = 12,
    backup_dir: Annotated[Path | None, typer.Option("--backup-dir", help="where backups go (default: backups/ next to the db)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="json (default in a pipe) or table")] = None,
) -> None:
    """The monthly job: backup, doctor, merge sure duplicates, run segments, summary report.

    Prints a JSON summary. Exit codes: 0 all good; 1 could not start; 3 finished but doctor
    found problems; 4 another maintain is running (nothing done); 5 a step failed (see summary).

    Example: crm maintain --yes --format json
    Cron:    0 2 1 * * crm --db ~/crm.db maintain --yes >> ~/crm-maintain.log 2>&1
    """
    from crmcli import maintain as lib

    fmt = pick_format(fmt or ("table" if sys.stdout.isatty() else "json"), ("table", "json"))
    apply = yes
    if not yes and interactive():
        apply = typer.confirm(_("merge sure duplicates and run segments after the backup?"), default=False, err=True)
    state.close()
    try:
        with progress.task(_("maintain: backup, dedupe, segments, checks")):
            summary = lib.run(state.db_path(), apply=apply, keep=keep, backup_dir=backup_dir)
    except lib.MaintainBusyError as e:
        info(_("Error: {message}").format(message=e))
        raise typer.Exit(lib.EXIT_BUSY) from None
    if fmt == "json":
        _json_out(summary)
    else:
        for step in summary["steps"]:
            typer.echo(_step_line(step))
    if not apply:
        info(_("without --yes nothing was merged or re-segmented (dry run of those steps)"))
    raise typer.Exit(summary["exit_code"])


def _diagnose(fix: bool, quick: bool) -> tuple[list[Any], list[str]]:
    from crmcli import doctor as lib
    from crmcli.errors import Damaged

    path = str(state.db_path())
    findings, looked = lib.read_only_look(path)  # its quick_check covers every page: diagnose need not repeat it
    if findings:
        return findings, []
    try:
        conn = state.conn()
    except Damaged as e:
        return [lib.damage_finding(path, [str(e)])], []
    if not fix:
        with progress.task(_("doctor: checking the database")):
            return lib.diagnose(conn, quick=quick, pages_checked=looked), []
    from crmcli.findings import shown as words

    res = lib.fix(conn, quick=quick, pages_checked=looked)
    for line in res.fixed:
        info(_("fixed: {what}").format(what=words(line)))
    if res.op_id:
        info(_("(logged as operation {op}; `crm log show {op}` lists every row before and after)").format(op=res.op_id))
    return res.remaining, res.fixed


def _salvage(out: Path | None) -> None:
    from crmcli import salvage

    res = salvage.salvage(state.db_path(), out)
    for c in res.tables:
        if c.read or c.kept:
            info("  " + (_("{table}: {n} rows ({lost} refused by the schema)") if c.lost else _("{table}: {n} rows"))
                 .format(table=c.table, n=c.kept, lost=c.lost))
    info((_("salvaged {n} rows from {source}, skipping {skipped} unreadable stretch(es); the new file passes its check")
          if res.skipped else _("salvaged {n} rows from {source}; the new file passes its check"))
         .format(n=res.rows, source=res.source, skipped=res.skipped))
    for line in res.orphans:
        info(_("note: {what} (their parent rows were unreadable; `crm restore {path} --force` keeps them)")
             .format(what=line, path=res.path))
    info(_("look at it with `crm --db {path} query`, put it in place with `crm restore {path}`").format(path=res.path))
    typer.echo(str(res.path))


def _step_words() -> dict[str, str]:
    """A step's name and status as the summary table shows them (the JSON keeps the English keys)."""
    return {"backup": pgettext("maintain step", "backup"), "doctor": pgettext("maintain step", "doctor"),
            "dedupe": pgettext("maintain step", "dedupe"), "segments": pgettext("maintain step", "segments"),
            "report": pgettext("maintain step", "report"), "ok": pgettext("maintain status", "ok"),
            "problems": pgettext("maintain status", "problems"), "dry-run": pgettext("maintain status", "dry-run"),
            "skipped": pgettext("maintain status", "skipped"), "failed": pgettext("maintain status", "failed")}


def _step_line(step: dict[str, Any]) -> str:
    from crmcli.fit import cell_len

    def pad(text: str, width: int) -> str:  # CJK characters take two cells
        return text + " " * max(0, width - cell_len(text))

    words = _step_words()
    name, status = words.get(step["step"], step["step"]), words.get(step["status"], step["status"])
    return f"{pad(name, 10)} {pad(status, 9)} {_step_detail(step)}"


def _step_detail(step: dict[str, Any]) -> str:
    if step["status"] in ("skipped", "failed"):
        return str(step.get("error") or step.get("reason") or "")
    name = step["step"]
    if name == "backup":
        return str(step["file"])
    if name == "doctor":
        return _("{n} problem(s), {fixable} fixable with crm doctor --fix").format(
            n=step.get("problems", 0), fixable=step.get("fixable", 0))
    if name == "dedupe":
        if "merged" in step:
            return _("merged {n} sure cluster(s); {review} for review (crm dedupe)").format(
                n=step["merged"], review=step.get("review", 0))
        return _("would merge {n} sure cluster(s); {review} for review (crm dedupe)").format(
            n=step.get("sure", 0), review=step.get("review", 0))
    if name == "segments":
        if step["status"] == "dry-run":
            return str(step.get("reason", ""))
        return _("run {run}: {counts}").format(
            run=step["run_id"], counts=", ".join(f"{k} {v}" for k, v in step.get("counts", {}).items()))
    return str(step.get("title") or step.get("report") or "")


def _print_findings(findings: list[Any], fixed: bool) -> None:
    if not findings:
        return
    from crmcli.findings import TableName
    from crmcli.findings import shown as words

    for f in findings:
        where = f" [{words(TableName(f.table))}]" if f.table else ""
        typer.echo(shown(_("{check}{where}: {message}").format(check=f.title(), where=where, message=words(f.message))))
        for ex in f.examples:
            typer.echo(shown("    " + _("e.g. {example}").format(example=words(ex))))
        if f.fix:
            typer.echo(f"    --fix {words(f.fix)}")
        else:
            typer.echo("    " + _("--fix leaves this: it needs a person"))
    n, fixable = len(findings), sum(1 for f in findings if f.fix)
    info((_("{n} problem(s)") if fixed else _("{n} problem(s); {fixable} fixable with --fix")).format(n=n, fixable=fixable))
