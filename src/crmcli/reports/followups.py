"""Follow-ups: frequency per customer and per owner (跟进人), overdue next steps.

--since/--until select follow-ups by their date. Overdue next steps are a state of
today: not done (是否完成 = 否) with a due date (预计完成时间) before today, whatever
the period.
"""

from __future__ import annotations

from datetime import date

from crmcli.reports.base import Chart, Column, Context, Section, report, share

FOLLOWUP_BUCKETS = ((0, 0, "0"), (1, 1, "1"), (2, 2, "2"), (3, 5, "3-5"), (6, 10, "6-10"), (11, None, "11+"))
OVERDUE_LIMIT = 20


@report("followups", "follow-up frequency per customer and per owner, overdue next steps "
        "(due date passed, not done)", "Follow-ups")
def followups(ctx: Context) -> list[Section]:
    scope, sparams = ctx.scope("f.customer_id")
    in_period, pparams = ctx.period("f.date")
    base = f"FROM followups f WHERE {in_period} AND {scope}"
    params = pparams + sparams
    where, cparams = ctx.customers_where()
    (customers,) = ctx.one(f"SELECT count(*) FROM {ctx.customers} WHERE {where}", cparams)
    # follow-ups per customer, bucketed in one pass over the (customer_id, date) index: sums of
    # 0/1 comparisons against each bucket's lower edge (no sort), buckets by difference
    edges = [lo for lo, _, _ in FOLLOWUP_BUCKETS[2:]]  # 2, 3, 6, 11
    followed, total, *at_least = ctx.one(
        f"SELECT count(*), coalesce(sum(n), 0), {', '.join(f'coalesce(sum(n >= {e}), 0)' for e in edges)} FROM "
        f"(SELECT f.customer_id, count(*) AS n {base} GROUP BY f.customer_id)", params)
    months = _months(ctx, base, params)
    cumulative = [customers, followed, *at_least, 0]
    counts = {name: cumulative[i] - cumulative[i + 1] for i, (_, _, name) in enumerate(FOLLOWUP_BUCKETS)}
    dist = [[name, counts.get(name, 0), share(counts.get(name, 0), customers)] for _, _, name in FOLLOWUP_BUCKETS]
    avg = total / customers if customers else None
    summary = Section("summary", "Follow-up frequency (跟进频率)", [Column("metric", "Metric"),
                                                                  Column("value", "Value", "number")], [
        ["customers", customers],
        ["followed_up_customers", followed],
        ["followups", total],
        ["followups_per_customer", round(avg, 2) if avg is not None else None],
        ["followups_per_followed_customer", round(total / followed, 2) if followed else None],
        ["period_months", round(months, 1) if months else None],
        ["followups_per_customer_per_month", round(avg / months, 3) if avg is not None and months else None],
    ], note="per customer: over every customer in scope, including those never followed up; "
            "period_months: from --since (else the first follow-up) to --until (else today)")

    owners = ctx.rows(f"SELECT f.followed_by, count(*), count(DISTINCT f.customer_id) {base} "
                      f"GROUP BY f.followed_by ORDER BY count(*) DESC, f.followed_by", params)
    return [
        summary,
        Section("per_customer", "Customers by number of follow-ups", [Column("followups", "Follow-ups"),
                                                                     Column("customers", "Customers", "int"),
                                                                     Column("share", "Share", "percent")],
                dist, Chart("bar", "followups", ("customers",))),
        Section("by_owner", "Follow-ups by owner (跟进人)",
                [Column("followed_by", "Followed by"), Column("followups", "Follow-ups", "int"),
                 Column("customers", "Customers", "int"), Column("per_customer", "Per customer", "number")],
                [[o, n, c, round(n / c, 2) if c else None] for o, n, c in owners], Chart("bar", "followed_by", ("followups",))),
        *_overdue(ctx),
    ]


def _months(ctx: Context, base: str, params: list[object]) -> float | None:
    start = ctx.since
    if start is None:
        (first,) = ctx.one(f"SELECT min(f.date) {base}", params)
        start = first[:10] if first else None
    if start is None:
        return None
    end = ctx.until or max(ctx.today.isoformat(), start)
    days = (date.fromisoformat(end[:10]) - date.fromisoformat(start[:10])).days + 1
    return days / (365.25 / 12) if days > 0 else None


def _overdue(ctx: Context) -> list[Section]:
    scope, sparams = ctx.scope("f.customer_id")
    today = ctx.today.isoformat()
    base = f"FROM followups f WHERE f.done = 0 AND f.due_date IS NOT NULL AND f.due_date < ? AND {scope}"
    params = [today, *sparams]
    # +followed_by: read the open steps from idx_followups_open_steps (done first) rather than walk
    # every follow-up in followed_by order and look each one up
    owners = ctx.rows(f"SELECT +f.followed_by AS by, count(*), min(f.due_date) {base} GROUP BY 1 "
                      f"ORDER BY count(*) DESC, by", params)
    total = sum(r[1] for r in owners)
    oldest = ctx.rows(f"SELECT f.followup_id, f.customer_id, c.name, f.followed_by, f.next_step, f.due_date, "
                      f"CAST(julianday(?) - julianday(f.due_date) AS INTEGER) "
                      f"FROM (SELECT f.rowid AS id {base} ORDER BY f.due_date, f.rowid LIMIT {OVERDUE_LIMIT}) d "
                      f"JOIN followups f ON f.rowid = d.id LEFT JOIN customers c ON c.customer_id = f.customer_id "
                      f"ORDER BY f.due_date, f.rowid", [today, *params])
    return [
        Section("overdue_by_owner", "Overdue next steps by owner (下一步计划 past due, not done)",
                [Column("followed_by", "Followed by"), Column("overdue", "Overdue", "int"),
                 Column("oldest_due", "Oldest due", "date")],
                [list(r) for r in owners], Chart("bar", "followed_by", ("overdue",)),
                note=f"{total} next steps are past their due date and not done"),
        Section("overdue", f"Overdue next steps (oldest {OVERDUE_LIMIT} of {total})",
                [Column("followup_id", "Follow-up"), Column("customer_id", "Customer ID"), Column("name", "Customer"),
                 Column("followed_by", "Followed by"), Column("next_step", "Next step"), Column("due_date", "Due", "date"),
                 Column("days_overdue", "Days overdue", "int")], [list(r) for r in oldest]),
    ]
