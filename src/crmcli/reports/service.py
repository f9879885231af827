"""Service reports: ticket satisfaction, and hot spots with on-time handling against the service levels.

--since/--until select tickets by their request time (tickets.date). Service levels
and the on-time rules are those of crmcli.sla (urgent/critical: respond 2 h, resolve
24 h; normal: resolve within 3 working days, weekends excluded, no public holidays).
"""

from __future__ import annotations

from crmcli.reports.base import Chart, Column, Context, Section, order_by_labels, report, share, with_shares
from crmcli.sla import julian_day, resolve_deadline_sql, state_sql, state_sql_params

TICKETS = Column("tickets", "Tickets", "int")
SHARE = Column("share", "Share", "percent")


def _tickets_base(ctx: Context, extra: str = "1") -> tuple[str, list[object]]:
    scope, sparams = ctx.scope("t.customer_id")
    in_period, pparams = ctx.period("t.date")
    return f"FROM tickets t WHERE {extra} AND {in_period} AND {scope}", pparams + sparams


@report("satisfaction", "ticket satisfaction 1–5: distribution, by ticket type and by handler", "Service satisfaction")
def satisfaction(ctx: Context) -> list[Section]:
    base, params = _tickets_base(ctx, "t.satisfaction IS NOT NULL")
    # grouped in the order of idx_tickets_report (type, handler, channel, urgency, satisfaction): no sort
    cube = ctx.cube(f"SELECT t.type AS type, t.handler AS handler, t.channel AS channel, t.urgency AS urgency, "
                    f"t.satisfaction AS score, count(*) AS n {base} GROUP BY 1, 2, 3, 4, 5", params)
    (total,) = ctx.one(f"SELECT coalesce(sum(n), 0) FROM {cube}")
    (average,) = ctx.one(f"SELECT round(sum(score * n) * 1.0 / sum(n), 2) FROM {cube}")
    scores = dict(ctx.rows(f"SELECT score, sum(n) FROM {cube} GROUP BY score"))
    dist = [[s, scores.get(s, 0), share(scores.get(s, 0), total)] for s in (1, 2, 3, 4, 5)]
    cols = [Column("rated", "Rated tickets", "int"), Column("average", "Average", "number"),
            Column("satisfied", "Satisfied (4–5)", "percent"), Column("dissatisfied", "Dissatisfied (1–2)", "percent")]

    def by(dim: str) -> list[list[object]]:
        rows = ctx.rows(f"SELECT {dim}, sum(n), round(sum(score * n) * 1.0 / sum(n), 2), "
                        f"sum(CASE WHEN score >= 4 THEN n ELSE 0 END), sum(CASE WHEN score <= 2 THEN n ELSE 0 END) "
                        f"FROM {cube} GROUP BY {dim} ORDER BY sum(n) DESC, {dim}")
        if dim == "type":
            rows = order_by_labels(rows, "tickets", "type")
        return [[r[0], r[1], r[2], share(r[3], r[1]), share(r[4], r[1])] for r in rows]

    return [
        Section("summary", "Satisfaction", [Column("metric", "Metric"), Column("value", "Value", "number")],
                [["rated_tickets", total], ["average", average],
                 ["satisfied_share", share(sum(scores.get(s, 0) for s in (4, 5)), total)],
                 ["dissatisfied_share", share(sum(scores.get(s, 0) for s in (1, 2)), total)]],
                note="tickets with a satisfaction score (1–5) requested in the period"),
        Section("distribution", "Satisfaction distribution (满意度 1–5)",
                [Column("score", "Score", "int"), TICKETS, SHARE], dist, Chart("bar", "score", ("tickets",))),
        Section("by_type", "Satisfaction by ticket type (服务类型)",
                [Column("type", "Type", field=("tickets", "type")), *cols], by("type"), Chart("bar", "type", ("average",))),
        Section("by_handler", "Satisfaction by handler (处理人)", [Column("handler", "Handler"), *cols], by("handler"),
                Chart("bar", "handler", ("average",))),
    ]


SLA_COLS = [TICKETS, Column("on_time", "On time", "int"), Column("late", "Late", "int"),
            Column("overdue", "Overdue (open)", "int"), Column("pending", "Open, in time", "int"),
            Column("on_time_rate", "On-time rate", "percent")]
OVERDUE_LIMIT = 20


def _sla_rows(ctx: Context, cube: str, dim: str) -> list[list[object]]:
    rows = ctx.rows(f"SELECT {dim}, sum(n), sum(on_time), sum(late), sum(overdue), sum(n - on_time - late - overdue) "
                    f"FROM {cube} GROUP BY {dim} ORDER BY sum(n) DESC, {dim}")
    if dim == "urgency":
        rows = order_by_labels(rows, "tickets", "urgency")
    # the rate is over decided tickets: on time / (on time + late + overdue); open tickets still in time wait
    return [[*r, share(r[2], r[2] + r[3] + r[4])] for r in rows]


# The service-level state of a ticket is the costly part of this report (a few date computations
# per row), so it is evaluated once per ticket and counted with one sum: on time adds 1, late
# 2^21, overdue 2^42; the three counts are then read back from their 21-bit fields. That holds
# while a group has fewer than 2^21 (2,097,152) tickets; a bigger group falls back to grouping by
# the state itself (a sort, slower but unbounded).
FIELD_BITS = 21
PACK_LIMIT = 1 << FIELD_BITS


def _sla_cube(ctx: Context) -> str:
    """Temp table (type, handler, channel, urgency, n, on_time, late, overdue) of the tickets in scope."""
    base, params = _tickets_base(ctx)
    state = state_sql("t")
    mask = PACK_LIMIT - 1
    packed = (f"CASE {state} WHEN 'on_time' THEN 1 WHEN 'late' THEN {1 << FIELD_BITS} "
              f"WHEN 'overdue' THEN {1 << (2 * FIELD_BITS)} ELSE 0 END")
    # grouped in the order of idx_tickets_report (type, handler, channel, urgency): the scan streams
    cube = ctx.cube(f"SELECT type, handler, channel, urgency, n, packed & {mask} AS on_time, "
                    f"(packed >> {FIELD_BITS}) & {mask} AS late, packed >> {2 * FIELD_BITS} AS overdue FROM "
                    f"(SELECT t.type AS type, t.handler AS handler, t.channel AS channel, t.urgency AS urgency, "
                    f"count(*) AS n, sum({packed}) AS packed {base} GROUP BY 1, 2, 3, 4)",
                    state_sql_params(ctx.now) + params)
    (largest,) = ctx.one(f"SELECT coalesce(max(n), 0) FROM {cube}")
    if largest < PACK_LIMIT:
        return cube
    return ctx.cube(f"SELECT type, handler, channel, urgency, sum(n) AS n, sum(n * (state = 'on_time')) AS on_time, "
                    f"sum(n * (state = 'late')) AS late, sum(n * (state = 'overdue')) AS overdue FROM "
                    f"(SELECT t.type AS type, t.handler AS handler, t.channel AS channel, t.urgency AS urgency, "
                    f"{state} AS state, count(*) AS n {base} GROUP BY 1, 2, 3, 4, 5) GROUP BY 1, 2, 3, 4",
                    state_sql_params(ctx.now) + params)


@report("service", "ticket hot spots (types, channels), on-time handling rate against the service levels, "
        "overdue tickets", "Service levels and hot spots",
        notes=("service levels: urgent and critical (重大) respond within 2 h and resolve within 24 h; normal resolve "
               "within 3 working days (Mon–Fri; public holidays not modelled)",))
def service(ctx: Context) -> list[Section]:
    cube = _sla_cube(ctx)
    (total,) = ctx.one(f"SELECT coalesce(sum(n), 0) FROM {cube}")

    def hot(dim: str) -> list[list[object]]:
        rows = order_by_labels(ctx.rows(f"SELECT {dim}, sum(n) FROM {cube} GROUP BY {dim}"), "tickets", dim)
        return sorted(with_shares(rows, total), key=lambda r: -r[1])

    overall = _sla_rows(ctx, cube, "'all'")
    return [
        Section("by_type", "Hot spots: tickets by type (服务类型)",
                [Column("type", "Type", field=("tickets", "type")), TICKETS, SHARE], hot("type"),
                Chart("bar", "type", ("tickets",))),
        Section("by_channel", "Tickets by channel (反馈渠道)",
                [Column("channel", "Channel", field=("tickets", "channel")), TICKETS, SHARE], hot("channel"),
                Chart("pie", "channel", ("tickets",))),
        Section("on_time", "On-time handling by urgency (紧急程度)",
                [Column("urgency", "Urgency", field=("tickets", "urgency")), *SLA_COLS],
                _sla_rows(ctx, cube, "urgency") + [["all", *r[1:]] for r in overall],
                Chart("bar", "urgency", ("on_time_rate",)),
                note="on-time rate = on time / (on time + late + overdue); open tickets still within their "
                     "deadline are not counted yet"),
        Section("by_handler", "On-time handling by handler (处理人)", [Column("handler", "Handler"), *SLA_COLS],
                _sla_rows(ctx, cube, "handler"), Chart("bar", "handler", ("on_time_rate",))),
        _overdue(ctx, ctx.one(f"SELECT coalesce(sum(overdue), 0) FROM {cube}")[0]),
    ]


def _overdue(ctx: Context, count: int) -> Section:
    """The oldest overdue open tickets; COUNT is how many are overdue in all (from the cube)."""
    base, params = _tickets_base(ctx, "t.status NOT IN ('closed', 'done') AND t.closed_at IS NULL")
    deadline = resolve_deadline_sql("t.date", "t.urgency")
    now = julian_day(ctx.now)
    rows = ctx.rows(
        f"SELECT t.ticket_id, t.customer_id, c.name, t.urgency, t.type, t.handler, t.date, datetime(d.due), "
        f"round(? - d.due, 1) "
        f"FROM (SELECT t.rowid AS id, {deadline} AS due {base} "
        f"AND ? > {deadline} ORDER BY due, t.rowid LIMIT {OVERDUE_LIMIT}) d "
        f"JOIN tickets t ON t.rowid = d.id LEFT JOIN customers c ON c.customer_id = t.customer_id "
        f"ORDER BY d.due, t.rowid", [now, *params, now])
    return Section("overdue", f"Overdue open tickets (oldest {OVERDUE_LIMIT} of {count})",
                   [Column("ticket_id", "Ticket"), Column("customer_id", "Customer ID"), Column("name", "Customer"),
                    Column("urgency", "Urgency", field=("tickets", "urgency")),
                    Column("type", "Type", field=("tickets", "type")), Column("handler", "Handler"),
                    Column("date", "Requested", "datetime"), Column("due", "Due", "datetime"),
                    Column("days_overdue", "Days overdue", "number")],
                   [list(r) for r in rows], None, note=f"{count} open tickets are past their resolve deadline")
