"""crm dedupe / merge / unmerge / merges: find duplicate customers, merge them, undo a merge."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

import typer

from crmcli.cli import complete, progress
from crmcli.cli.common import FormatOpt, UnmaskOpt, confirm, emit, guard, info, interactive, mask_default, pick_format, state
from crmcli.cli.lazy import new_app
from crmcli.errors import CrmError
from crmcli.i18n import N_, _, pgettext

FLAT = ["cluster", "score", "action", "customer_id", "name", "phone", "email", "reason"]


def _words() -> dict[str, str]:
    """Table headers and action values in the interface language (under en the keys themselves, as
    before); the machine formats keep the keys. A context keeps these short words apart from others."""
    return {"cluster": pgettext("dedupe", "cluster"), "score": pgettext("dedupe", "score"),
            "action": pgettext("dedupe", "action"), "customer_id": pgettext("dedupe", "customer_id"),
            "name": pgettext("dedupe", "name"), "phone": pgettext("dedupe", "phone"),
            "email": pgettext("dedupe", "email"), "reason": pgettext("dedupe", "reason"),
            "survivor": pgettext("dedupe", "survivor"), "auto": pgettext("dedupe", "auto"),
            "review": pgettext("dedupe", "review"), "merged": pgettext("dedupe", "merged"),
            "skipped": pgettext("dedupe", "skipped"), "done": pgettext("dedupe", "done")}


def _masked(clusters: list[Any], unmask: bool) -> Iterator[dict[str, Any]]:
    """Clusters as the contract's objects, members masked unless --unmask; one at a time (written as
    they are made: at a million customers a masked copy of every cluster took ~200 MB)."""
    from crmcli.output import mask_row

    unmask = unmask or not mask_default()
    return ({**c.to_dict(), "members": [mask_row("customers", m, unmask) for m in c.members]} for c in clusters)


def _flat(clusters: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"cluster": c["cluster"], "score": c["score"], "action": c.get("action", "auto" if c["auto"] else "review"),
             **{k: m[k] for k in ("customer_id", "name", "phone", "email", "reason")}}
            for c in clusters for m in c["members"]]


def _for_screen(rows: list[dict[str, Any]], columns: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """ROWS for a table a person reads: translated headers, actions and reasons."""
    from crmcli.dedupe.reasons import shown

    words = _words()
    heads = {c: words.get(c, c) for c in columns}
    out = []
    for r in rows:
        r = {**r}
        if "action" in r:
            r["action"] = words.get(r["action"], r["action"])
        if r.get("reason"):
            r["reason"] = shown(r["reason"])
        out.append({heads[c]: r[c] for c in columns})
    return out, [heads[c] for c in columns]


def _emit_clusters(clusters: list[Any], fmt: str | None, unmask: bool) -> None:
    fmt = pick_format(fmt)
    shown = _masked(clusters, unmask)
    if fmt in ("json", "jsonl"):
        from crmcli.output import write_document

        write_document(shown, lines=fmt == "jsonl")
    elif fmt == "table":
        rows, heads = _for_screen(_flat(shown), FLAT)
        emit(rows, heads, fmt, unmask=True, title=_("Duplicate customers"))
    else:
        emit(_flat(shown), FLAT, fmt, unmask=True)


def _value(field: str, value: Any, unmask: bool) -> str:
    """A field value for a message, masked like every listing unless --unmask."""
    from crmcli.output import mask_row

    return repr(mask_row("customers", {field: value}, unmask or not mask_default())[field])


def _tell_plan(p: Any, unmask: bool) -> None:
    """Fills and conflicts of a merge plan, on stderr."""
    from crmcli.fields import TABLES, shown_field

    def named(f: str) -> str:
        return shown_field(TABLES["customers"].by_name[f]) if f in TABLES["customers"].by_name else f

    for f, (v, src) in p.fills.items():
        info("  " + _("{field}: {value} (from {source})").format(field=named(f), value=_value(f, v, unmask), source=src))
    for f, vals in p.conflicts.items():
        kept = (p.fills.get(f) or (vals.get(p.survivor),))[0]
        info("  " + _("conflict {field}: {values} -> keeps {kept}").format(
            field=named(f), values=", ".join(f"{k}={_value(f, v, unmask)}" for k, v in vals.items()),
            kept=_value(f, kept, unmask)))


def _show_cluster(c: Any, drop: set[str], unmask: bool) -> None:
    from crmcli import output

    members = [m for m in next(_masked([c], unmask))["members"] if m["customer_id"] not in drop]
    rows = [{"#": i, **m, "survivor": "*" if m["customer_id"] == c.survivor else ""} for i, m in enumerate(members, 1)]
    rows, heads = _for_screen(rows, ["#", "survivor", "customer_id", "name", "phone", "email", "reason"])
    output.render(rows, heads, "table", out=sys.stderr, unmask=True,
                  title=_("Cluster {n}  score {score}").format(n=c.cluster, score=c.score))


def _walk(conn: Any, clusters: list[Any], unmask: bool) -> None:
    """Ask per cluster: merge / skip / pick survivor / drop a member / quit."""
    from crmcli.dedupe import scan

    for n, c in enumerate(clusters):
        drop: set[str] = set()
        if not scan.refresh(conn, c):  # its members were merged together in an earlier cluster
            c.action = "done"
            continue
        while True:
            _show_cluster(c, drop, unmask)
            answer = typer.prompt(_("[m]erge, [s]kip, [n]ot the same (remember), [p]ick survivor, [d]rop a member, "
                                    "[q]uit"), default="s", err=True).strip().lower()[:1]
            live = c.ids(drop)
            if answer == "n":
                from crmcli.cli.dedupe_memory import review_not_same

                review_not_same(conn, c, live)
                break
            if answer == "m":
                try:
                    res = scan.merge_cluster(conn, c, drop=drop)
                except CrmError as e:  # e.g. its members were merged together in an earlier cluster
                    info(_("not merged: {error}").format(error=e))
                    c.action = "skipped"
                    break
                info(_("merged {ids} into {survivor} (merge {merge})").format(
                    ids=", ".join(res.plan.merged), survivor=res.plan.survivor, merge=res.merge_id))
                _tell_plan(res.plan, unmask)
                break
            if answer == "s":
                c.action = "skipped"
                break
            if answer == "q":
                for rest in clusters[n:]:
                    rest.action = rest.action or "skipped"
                return
            if answer in ("p", "d"):
                pick = typer.prompt(_("member number or customer id"), err=True).strip()
                chosen = live[int(pick) - 1] if pick.isdigit() and 0 < int(pick) <= len(live) else pick
                if chosen not in live:
                    info(_("{id} is not in this cluster").format(id=pick))
                elif answer == "p":
                    c.survivor = chosen
                else:
                    drop.add(chosen)
                    if chosen == c.survivor:
                        c.survivor = next(x for x in live if x != chosen)
                    if len(live) - 1 < 2:
                        info(_("fewer than two members left: skipped"))
                        c.action = "skipped"
                        break
            else:
                info(_("answer m, s, n, p, d or q"))


MERGE_HEADS = {"merge_id": N_("Merge"), "created_at": N_("Merged at"), "survivor_id": N_("Kept customer"),
               "merged_ids": N_("Merged customers"), "conflicts": N_("Differing fields"), "undone_at": N_("Undone at")}

app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command()
@guard
def dedupe(
    ids: Annotated[list[str] | None, typer.Argument(metavar="[IDS]...", help="with --not-same: the customers",
                                                    autocompletion=complete.customer_ids)] = None,
    not_same: Annotated[bool, typer.Option("--not-same", help="remember that IDS are different customers")] = False,
    show_decisions: Annotated[bool, typer.Option("--decisions", help="list the remembered 'not the same' pairs")] = False,
    threshold: Annotated[float, typer.Option("--threshold", "-t", help="report pairs scoring at least this (0-100)")] = 80.0,
    auto: Annotated[float, typer.Option("--auto-threshold", help="--merge --yes merges clusters scoring at least this")] = 90.0,
    do_merge: Annotated[bool, typer.Option("--merge", help="ask per cluster on a terminal (with --yes: no asking)")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="with --merge: merge clusters >= --auto-threshold, list the rest")] = False,
    fmt: FormatOpt = None,
    unmask: UnmaskOpt = False,
) -> None:
    """Find duplicate customers by fuzzy name (Chinese-aware), phone and email.

    Without --merge it only reports and writes nothing. Each member carries a
    reason ("name 96 + same mobile"); the survivor is the oldest record.

    Example: crm dedupe
    Example: crm dedupe --format json --threshold 85
    Example: crm dedupe --merge --yes --format json   (monthly cron: merges the sure ones, lists the rest)
    Example: crm dedupe --not-same C20240105001 C20240312004   (never proposed or merged again)
    """
    from crmcli.cli import dedupe_memory
    from crmcli.dedupe import scan

    dedupe_memory.ids_need_not_same(ids, not_same)
    if not_same:
        dedupe_memory.not_same(ids or [])
        return
    if show_decisions:
        dedupe_memory.show_decisions(fmt)
        return

    if yes and not do_merge:
        raise typer.BadParameter(_("--yes only makes sense with --merge"), param_hint="--yes")
    fmt = pick_format(fmt)
    if do_merge and not yes and not interactive():
        raise CrmError(_("dedupe --merge asks per cluster on a terminal; without one add --yes "
                         "(merges only clusters at or above --auto-threshold)"))
    conn = state.conn()
    with progress.task(_("dedupe: reading and comparing customers")) as advance:
        result = scan.scan(conn, threshold, auto, progress=lambda n: advance(completed=n))
    clusters = result.clusters
    s = result.stats
    info(_("{records} customers, {pairs} pairs compared, {n} clusters ({sure} at or above {auto}) in {seconds}s").format(
        records=s.records, pairs=s.pairs_scored, n=len(clusters), sure=sum(c.auto for c in clusters), auto=f"{auto:g}",
        seconds=f"{result.seconds:.1f}"))
    if s.skipped_blocks:
        info(_("note: {n} phone/email/name keys shared by more than 500 customers were not used").format(
            n=s.skipped_blocks))
    if do_merge and yes:
        scan.auto_merge(conn, clusters)
        merged = [c for c in clusters if c.action == "merged"]
        info(_("merged {n} clusters; {left} left for review (crm dedupe --merge on a terminal)").format(
            n=len(merged), left=len(clusters) - len(merged)))
    elif do_merge:
        _walk(conn, clusters, unmask)
    _emit_clusters(clusters, fmt, unmask)


@app.command("merge")
@guard
def merge_cmd(
    ids: Annotated[list[str], typer.Argument(metavar="ID ID...", help="customers to merge into one",
                                             autocompletion=complete.customer_ids)],
    survivor: Annotated[str | None, typer.Option("--survivor", help="the record to keep (default: the oldest)")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
    unmask: UnmaskOpt = False,
) -> None:
    """Merge customers into one: fill empty fields, move every record, keep old ids resolvable.

    Prints the merge id; `crm unmerge MERGE_ID` undoes it exactly.

    Example: crm merge C20240105001 C20240312004
    Example: crm merge C20240105001 C20240312004 --survivor C20240312004 --yes
    """
    from crmcli.dedupe import merge as merging

    conn = state.conn()
    p = merging.plan(conn, ids, survivor)
    info(_("keep {survivor}; merge {ids} into it").format(survivor=p.survivor, ids=", ".join(p.merged)))
    _tell_plan(p, unmask)
    if not confirm(_("merge {n} customers into {survivor}?").format(n=len(p.merged) + 1, survivor=p.survivor), yes):
        info(_("nothing merged"))
        raise typer.Exit(1)
    res = merging.merge(conn, ids, survivor)
    from crmcli.fields import TABLES, shown_table

    moved = ", ".join(f"{n} {shown_table(t) if t in TABLES else t}" for t, n in res.moved.items())
    info(_("merge {merge}: moved {moved}; undo with `crm unmerge {merge}`").format(
        merge=res.merge_id, moved=moved or _("no records")))
    typer.echo(res.merge_id)


@app.command()
@guard
def unmerge(
    merge_id: Annotated[str, typer.Argument(metavar="MERGE_ID", help="from `crm merge` or `crm merges`")],
) -> None:
    """Undo a merge: every customer and record back as it was; later changes are kept and reported.

    Example: crm unmerge 3
    """
    from crmcli.dedupe import merge as merging

    res = merging.unmerge(state.conn(), merge_id)
    info(_("merge {merge} undone: {ids} restored beside {survivor}").format(
        merge=res.merge_id, ids=", ".join(res.restored), survivor=res.survivor))
    for c in res.collisions:
        info("  " + _("kept a later change: {change}").format(change=c))
    for cid in res.restored:
        typer.echo(cid)


@app.command()
@guard
def merges(
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="the latest N")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List past merges, newest first, with their conflicts and whether they were undone.

    Example: crm merges --limit 10
    """
    from crmcli.dedupe import merge as merging

    rows = merging.list_merges(state.conn(), limit)
    cols = ["merge_id", "created_at", "survivor_id", "merged_ids", "conflicts", "undone_at"]
    lang = state.language()
    if pick_format(fmt) == "table" and lang != "en":  # scripts keep the field names; a person reads labels
        from crmcli import fields

        customers = fields.table("customers")
        rows = [{**r, "conflicts": "、".join(customers.by_name[n].label(lang) if n in customers.by_name else n
                                            for n in r["conflicts"].split(", ") if n)} for r in rows]
    emit(rows, cols, fmt, heads=[_(MERGE_HEADS[c]) for c in cols] if lang != "en" else None)
