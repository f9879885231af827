"""Customer reports: overview (the month on one screen), structure, funnel."""

from __future__ import annotations

from datetime import date

from crmcli.reports.base import (
    REVENUE_SQL,
    Chart,
    Column,
    Context,
    Section,
    fill_periods,
    money,
    order_by_labels,
    report,
    share,
    with_shares,
)
from crmcli.sla import julian_day, resolve_deadline_sql

# The day a customer entered the books: first contact, else the day the record was made.
FIRST_DAY = "coalesce(customers.first_contact_date, substr(customers.created_at, 1, 10))"
OPEN_TICKET = "t.status NOT IN ('closed', 'done') AND t.closed_at IS NULL"

STATUS_COL = Column("status", "Status", field=("customers", "status"))
CUSTOMERS_COL = Column("customers", "Customers", "int")
SHARE_COL = Column("share", "Share", "percent")


def _this_month(today: date) -> str:
    return today.replace(day=1).isoformat()


@report("overview", "the month on one screen: customers by status and segment, new and lost, revenue, "
        "open tickets, follow-ups due (default period: this month)", "Overview", default_since=_this_month)
def overview(ctx: Context) -> list[Section]:
    where, params = ctx.customers_where()
    if ctx.filtered:  # a subset: one pass gives status, segment and the new customers together
        in_period, pparams = first_day_in_period(ctx)
        cube = ctx.cube(f"SELECT customers.status AS status, customers.segment AS segment, count(*) AS n, "
                        f"sum(CASE WHEN {in_period} THEN 1 ELSE 0 END) AS new "
                        f"FROM {ctx.customers} WHERE {where} GROUP BY 1, 2", pparams + params)
        by_status = ctx.rows(f"SELECT status, sum(n) FROM {cube} GROUP BY status")
        by_segment = ctx.rows(f"SELECT segment, sum(n) FROM {cube} GROUP BY segment "
                              f"ORDER BY sum(n) DESC, segment IS NULL, segment")
        (new,) = ctx.one(f"SELECT coalesce(sum(new), 0) FROM {cube}")
    else:  # everyone: status and segment each stream from their own index; new customers are an index range
        by_status = ctx.rows("SELECT status, count(*) FROM customers GROUP BY status")
        by_segment = ctx.rows("SELECT segment, count(*) FROM customers GROUP BY segment "
                              "ORDER BY count(*) DESC, segment IS NULL, segment")
        new = sum(n for _, n in new_by_day(ctx))
    total = sum(n for _, n in by_status)

    scope, sparams = ctx.scope("h.customer_id")
    lost_period, lparams = ctx.period("h.changed_at")
    (lost,) = ctx.one(f"SELECT count(DISTINCT h.customer_id) FROM status_history h WHERE h.new_status = 'lost' "
                      f"AND {lost_period} AND {scope}", lparams + sparams)

    scope, sparams = ctx.scope("o.customer_id")
    rev_period, rparams = ctx.period("o.date")
    revenue, orders = ctx.one(f"SELECT coalesce(sum(o.amount), 0), count(*) FROM orders o WHERE o.{REVENUE_SQL} "
                              f"AND {rev_period} AND {scope}", rparams + sparams)

    scope, sparams = ctx.scope("t.customer_id")
    now = julian_day(ctx.now)
    deadline = resolve_deadline_sql("t.date", "t.urgency")
    open_tickets, overdue = ctx.one(f"SELECT count(*), coalesce(sum(CASE WHEN ? > {deadline} THEN 1 ELSE 0 END), 0) "
                                    f"FROM tickets t WHERE {OPEN_TICKET} AND {scope}", [now, *sparams])

    scope, sparams = ctx.scope("f.customer_id")
    due_period, dparams = ctx.period("f.due_date")
    due, overdue_steps = ctx.one(
        f"SELECT coalesce(sum(CASE WHEN {due_period} THEN 1 ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN f.due_date < ? THEN 1 ELSE 0 END), 0) "
        f"FROM followups f WHERE f.done = 0 AND f.due_date IS NOT NULL AND {scope}",
        [*dparams, ctx.today.isoformat(), *sparams])

    summary = Section("summary", "Key figures", [Column("metric", "Metric"), Column("value", "Value", "number")], [
        ["customers", total],
        ["new_customers", new],
        ["lost_customers", lost],
        ["revenue", money(revenue)],
        ["orders", orders],
        ["open_tickets", open_tickets],
        ["overdue_tickets", overdue],
        ["followups_due", due],
        ["overdue_next_steps", overdue_steps],
    ], note="new: first contact in the period; lost: status changed to lost in the period; revenue: completed and "
            "partially refunded orders in the period; open/overdue tickets and overdue next steps: as of today; "
            "follow-ups due: not done, due in the period")
    by_status = order_by_labels(by_status, "customers", "status")
    return [
        summary,
        Section("by_status", "Customers by status (合作状态)", [STATUS_COL, CUSTOMERS_COL, SHARE_COL],
                with_shares(by_status, total), Chart("pie", "status", ("customers",))),
        Section("by_segment", "Customers by segment (客户分层)",
                [Column("segment", "Segment", field=("customers", "segment")), CUSTOMERS_COL, SHARE_COL],
                with_shares(by_segment, total), Chart("pie", "segment", ("customers",)),
                note="segment is empty until `crm segment run`" if all(r[0] is None for r in by_segment) else None),
    ]


STRUCTURE_DIMS = (("industry", "Industry (所属行业)", None), ("level", "Level (客户等级)", "level"),
                  ("source", "Source (客户来源)", "source"), ("customer_type", "Customer type (客户类型)", "customer_type"),
                  ("kind", "Kind (企业/个人)", "kind"))


@report("structure", "customers by industry, level, source, customer type and kind: counts and shares "
        "(--since/--until: customers first contacted in the period)", "Customer structure")
def structure(ctx: Context) -> list[Section]:
    where, params = ctx.customers_where()
    in_period, pparams = first_day_in_period(ctx)
    if ctx.filtered or ctx.since or ctx.until:
        # a subset: one scan of it, grouped by every dimension at once, then summed per dimension
        dims = ", ".join(f"customers.{d} AS {d}" for d, _, _ in STRUCTURE_DIMS)
        groups = ", ".join(f"customers.{d}" for d, _, _ in STRUCTURE_DIMS)
        cube = ctx.cube(f"SELECT {dims}, count(*) AS n FROM {ctx.customers} WHERE {where} AND {in_period} GROUP BY {groups}",
                        params + pparams)

        def counts(dim: str) -> list[tuple[object, ...]]:
            return ctx.rows(f"SELECT {dim}, sum(n) FROM {cube} GROUP BY {dim} ORDER BY sum(n) DESC, {dim} IS NULL, {dim}")
    else:
        # everyone: each dimension streams from its own index (no sort of a million rows)
        def counts(dim: str) -> list[tuple[object, ...]]:
            return ctx.rows(f"SELECT {dim}, count(*) FROM customers GROUP BY {dim} ORDER BY count(*) DESC, {dim} IS NULL, {dim}")
    out = []
    total = None
    for dim, title, labelled in STRUCTURE_DIMS:
        rows = counts(dim)
        if total is None:
            total = sum(r[1] for r in rows)
        if labelled:
            rows = order_by_labels(rows, "customers", dim)
        col = Column(dim, title.split(" (")[0], field=("customers", dim) if labelled else None)
        chart = Chart("pie" if dim in ("source", "customer_type", "kind") else "bar", dim, ("customers",))
        out.append(Section(f"by_{dim}", f"Customers by {title[0].lower()}{title[1:]}", [col, CUSTOMERS_COL, SHARE_COL],
                           with_shares(rows, total), chart))
    return out


def first_day_in_period(ctx: Context) -> tuple[str, list[object]]:
    """SQL over customers: first contact (else the record's creation day) within --since/--until."""
    if not ctx.since and not ctx.until:
        return "1", []
    fc, fparams = ctx.period("customers.first_contact_date")
    cr, cparams = ctx.period("customers.created_at")
    return (f"(({fc}) OR (customers.first_contact_date IS NULL AND {cr}))", fparams + cparams)


def new_by_day(ctx: Context) -> list[tuple[str, int]]:
    """(day, customers) by first contact day (else creation day) within the period, for the filtered customers.

    Two queries, each a range on an index (first_contact_date; the few without it by created_at).
    """
    where, params = ctx.customers_where()
    if ctx.filtered:  # a subset: one pass
        in_period, pparams = first_day_in_period(ctx)
        return ctx.rows(f"SELECT {FIRST_DAY} AS d, count(*) FROM {ctx.customers} WHERE {where} AND {in_period} GROUP BY d",
                        params + pparams)
    fc, fparams = ctx.period("customers.first_contact_date")
    cr, cparams = ctx.period("customers.created_at")
    days = ctx.rows(f"SELECT customers.first_contact_date, count(*) FROM customers WHERE {where} AND {fc} "
                    f"AND customers.first_contact_date IS NOT NULL GROUP BY 1", params + fparams)
    days += ctx.rows(f"SELECT substr(customers.created_at, 1, 10) AS d, count(*) FROM customers WHERE {where} AND {cr} "
                     f"AND customers.first_contact_date IS NULL GROUP BY d", params + cparams)
    return days


# A stage is reached when the customer is in it now, passed through it in the status
# history, or (for 合作中) has a first deal date.
_INTENT_UP = ("intent", "active", "at_risk")
_ACTIVE_UP = ("active", "at_risk")


def _reached(stages: tuple[str, ...]) -> str:
    marks = ", ".join(f"'{s}'" for s in stages)
    deal = " OR customers.first_deal_date IS NOT NULL" if "intent" in stages or "active" in stages else ""
    return (f"(CASE WHEN customers.status IN ({marks}){deal} OR customers.customer_id IN "
            f"(SELECT customer_id FROM status_history WHERE new_status IN ({marks}) OR old_status IN ({marks})) "
            f"THEN 1 ELSE 0 END)")


@report("funnel", "潜在 → 意向 → 合作中 conversion overall, by source and by owner; days spent per stage; "
        "new and lost customers per period", "Conversion funnel")
def funnel(ctx: Context) -> list[Section]:
    where, params = ctx.customers_where()
    in_period, pparams = first_day_in_period(ctx)
    cube = ctx.cube(f"SELECT customers.source AS source, customers.owner AS owner, "
                    f"count(*) AS n, sum({_reached(_INTENT_UP)}) AS intent, sum({_reached(_ACTIVE_UP)}) AS active "
                    f"FROM {ctx.customers} WHERE {where} AND {in_period} GROUP BY 1, 2",
                    params + pparams)
    n, intent, active = ctx.one(f"SELECT coalesce(sum(n), 0), coalesce(sum(intent), 0), coalesce(sum(active), 0) FROM {cube}")
    stages = Section("stages", "Funnel 潜在 → 意向 → 合作中",
                     [Column("stage", "Stage", field=("customers", "status")), CUSTOMERS_COL,
                      Column("of_all", "Of all", "percent"), Column("from_previous", "From previous stage", "percent")],
                     [["potential", n, share(n, n), None],
                      ["intent", intent, share(intent, n), share(intent, n)],
                      ["active", active, share(active, n), share(active, intent)]],
                     Chart("bar", "stage", ("customers",)),
                     note="every customer starts as 潜在; a stage counts as reached when the customer is in it now, "
                          "passed it in the status history, or has a first deal date (合作中)")
    conv_cols = [CUSTOMERS_COL, Column("intent", "Reached 意向", "int"), Column("active", "Reached 合作中", "int"),
                 Column("intent_rate", "→ 意向", "percent"), Column("active_rate", "→ 合作中", "percent")]

    def conv(dim: str) -> list[list[object]]:
        rows = ctx.rows(f"SELECT {dim}, sum(n), sum(intent), sum(active) FROM {cube} GROUP BY {dim} "
                        f"ORDER BY sum(n) DESC, {dim}")
        if dim == "source":
            rows = order_by_labels(rows, "customers", "source")
        return [[r[0], r[1], r[2], r[3], share(r[2], r[1]), share(r[3], r[1])] for r in rows]

    out = [stages,
           Section("by_source", "Conversion by source (客户来源)",
                   [Column("source", "Source", field=("customers", "source")), *conv_cols], conv("source"),
                   Chart("bar", "source", ("active_rate",))),
           Section("by_owner", "Conversion by owner (负责人)", [Column("owner", "Owner"), *conv_cols], conv("owner"),
                   Chart("bar", "owner", ("active_rate",))),
           _stage_times(ctx), _new_and_lost(ctx)]
    return out


def _stage_times(ctx: Context) -> Section:
    """Days in each status, from the status history: a stay ends at a change; the first stay starts at first contact."""
    scope, sparams = ctx.scope("h.customer_id")
    in_period, pparams = ctx.period("s.ended")
    rows = ctx.rows(
        f"WITH h AS (SELECT h.customer_id, h.old_status, h.changed_at, "
        f"lag(h.changed_at) OVER (PARTITION BY h.customer_id ORDER BY h.changed_at, h.id) AS prev "
        f"FROM status_history h WHERE {scope}), "
        f"s AS (SELECT h.old_status AS stage, julianday(h.changed_at) - julianday(coalesce(h.prev, {FIRST_DAY})) AS days, "
        f"h.changed_at AS ended FROM h JOIN customers ON customers.customer_id = h.customer_id "
        f"WHERE h.old_status IS NOT NULL) "
        f"SELECT stage, count(*), round(avg(max(days, 0)), 1), round(max(max(days, 0)), 1) FROM s WHERE {in_period} "
        f"GROUP BY stage", sparams + pparams)
    rows = order_by_labels(rows, "customers", "status")
    return Section("stage_days", "Days spent per stage (from the status history)",
                   [Column("stage", "Stage", field=("customers", "status")), Column("stays", "Completed stays", "int"),
                    Column("avg_days", "Average days", "number"), Column("max_days", "Longest (days)", "number")],
                   [list(r) for r in rows], Chart("bar", "stage", ("avg_days",)),
                   note="only stays that ended with a recorded status change; the first stay starts at first contact"
                        if rows else "no status changes recorded yet: stage times appear once statuses change")


def _new_and_lost(ctx: Context) -> Section:
    day_cube = ctx.cube("SELECT NULL AS d, 0 AS n WHERE 0", [])
    ctx.conn.executemany(f"INSERT INTO temp.{day_cube} VALUES (?, ?)", new_by_day(ctx))
    new = dict(ctx.rows(f"SELECT {ctx.period_key('d')} AS p, sum(n) FROM {day_cube} GROUP BY p"))
    scope, sparams = ctx.scope("h.customer_id")
    lost_period, lparams = ctx.period("h.changed_at")
    lost = dict(ctx.rows(f"SELECT {ctx.period_key('h.changed_at')} AS p, count(DISTINCT h.customer_id) "
                         f"FROM status_history h WHERE h.new_status = 'lost' AND {lost_period} AND {scope} GROUP BY p",
                         lparams + sparams))
    rows = [[p, new.get(p, 0), lost.get(p, 0)] for p in sorted(set(new) | set(lost), key=lambda k: (k is None, k or ""))]
    rows = fill_periods(rows, ctx.by, (0, 0))
    return Section("new_lost", f"New and lost customers by {ctx.by}",
                   [Column("period", ctx.by.capitalize(), "period"), Column("new", "New", "int"),
                    Column("lost", "Lost", "int")], rows, Chart("line", "period", ("new", "lost")),
                   note="new: by first contact date (else the day the record was made); lost: status changed to 流失")
