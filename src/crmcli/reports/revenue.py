"""Revenue: order amounts by period, product and owner; purchase frequency; customer lifetime value.

Revenue counts orders whose status is completed (已完成) or partial_refund (部分退款)
at their recorded amount; pending and cancelled orders never count.

Customer lifetime value (CLV) is *historical*: the revenue a customer has brought
from its first order up to --until (all history, --since ignored), summed per
buying customer. The report gives its average, value bands and the top customers.
Purchase frequency is orders per buying customer in the period, also per year.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from crmcli.reports.base import (
    REVENUE_SQL,
    Chart,
    Column,
    Context,
    Section,
    fill_periods,
    money,
    report,
    share,
)

CLV_FORMULA = ("CLV = sum of completed and partially refunded order amounts per buying customer, "
               "all orders up to --until (historical lifetime value to date)")
ORDER_BUCKETS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, 10, "6-10"), (11, None, "11+"))
CLV_BANDS = ((0, 10_000, "< 10k"), (10_000, 50_000, "10k-50k"), (50_000, 100_000, "50k-100k"),
             (100_000, 500_000, "100k-500k"), (500_000, None, ">= 500k"))

AMOUNT = Column("amount", "Amount (元)", "money")
ORDERS = Column("orders", "Orders", "int")
SHARE = Column("share", "Share", "percent")


def _figures(ctx: Context, table: str) -> dict[str, Any]:
    """Everything the per-customer table (customer_id, amount, n) yields, in one pass of sums (no sort).

    Comparisons are 0/1 in SQLite, so sum(n >= 3) counts and sum(amount * (amount >= x)) totals;
    buckets come from cumulative thresholds by difference, one comparison each per row.
    """
    n_edges = [lo for lo, _, _ in ORDER_BUCKETS[1:]]  # 2, 3, 4, 6, 11
    a_edges = [lo for lo, _, _ in CLV_BANDS[1:]]  # 10k, 50k, 100k, 500k
    exprs = ["count(*)", "coalesce(sum(amount), 0)", "max(amount)"]
    exprs += [f"coalesce(sum(n >= {e}), 0)" for e in n_edges]
    exprs += [f"coalesce(sum(amount >= {e}), 0)" for e in a_edges]
    exprs += [f"coalesce(sum(amount * (amount >= {e})), 0)" for e in a_edges]
    v = ctx.one(f"SELECT {', '.join(exprs)} FROM {table}")
    buyers, total, top = v[0], v[1], v[2]
    at_least_n = [buyers, *v[3:3 + len(n_edges)], 0]
    k = 3 + len(n_edges)
    at_least_count = [buyers, *v[k:k + len(a_edges)], 0]
    at_least_amount = [total, *v[k + len(a_edges):], 0]
    return {"buyers": buyers, "repeat": at_least_n[1], "total": total, "top": top,
            "orders": {name: at_least_n[i] - at_least_n[i + 1] for i, (_, _, name) in enumerate(ORDER_BUCKETS)},
            "bands": {name: (at_least_count[i] - at_least_count[i + 1], at_least_amount[i] - at_least_amount[i + 1])
                      for i, (_, _, name) in enumerate(CLV_BANDS)}}


@report("revenue", "order amounts by period, product and owner; purchase frequency; customer lifetime value "
        "(revenue = completed + partially refunded orders)", "Revenue", notes=(CLV_FORMULA,))
def revenue(ctx: Context) -> list[Section]:
    scope, sparams = ctx.scope("o.customer_id")
    in_period, pparams = ctx.period("o.date")
    base = f"FROM orders o WHERE o.{REVENUE_SQL} AND {in_period} AND {scope}"
    # by day, product and owner: streams in the order of idx_orders_day_product_owner, no sort
    cube = ctx.cube(f"SELECT o.date AS day, o.product AS product, o.owner AS owner, "
                    f"sum(o.amount) AS amount, count(*) AS n {base} GROUP BY o.date, o.product, o.owner", pparams + sparams)
    total, orders = ctx.one(f"SELECT coalesce(sum(amount), 0), coalesce(sum(n), 0) FROM {cube}")

    periods = [[p, money(a), n, money(a / n) if n else None]
               for p, a, n in ctx.rows(f"SELECT {ctx.period_key('day')} AS period, sum(amount), sum(n) FROM {cube} "
                                       f"GROUP BY period ORDER BY period")]
    periods = fill_periods(periods, ctx.by, (0.0, 0, None))

    def by(dim: str) -> list[list[object]]:
        return [[v, money(a), n, share(a, total)] for v, a, n in
                ctx.rows(f"SELECT {dim}, sum(amount), sum(n) FROM {cube} GROUP BY {dim} ORDER BY sum(amount) DESC, {dim}")]

    per_customer = ctx.cube(f"SELECT o.customer_id AS customer_id, sum(o.amount) AS amount, count(*) AS n "
                            f"{base} GROUP BY o.customer_id", pparams + sparams)
    figures = _figures(ctx, per_customer)
    buyers, repeat = figures["buyers"], figures["repeat"]
    years = _years(ctx, cube)
    per_customer_n = orders / buyers if buyers else None
    frequency = Section("frequency", "Purchase frequency (购买频次)", [Column("metric", "Metric"),
                                                                   Column("value", "Value", "number")], [
        ["buying_customers", buyers],
        ["orders", orders],
        ["orders_per_customer", round(per_customer_n, 2) if per_customer_n else None],
        ["period_years", round(years, 2) if years else None],
        ["orders_per_customer_per_year", round(per_customer_n / years, 2) if per_customer_n and years else None],
        ["repeat_purchase_rate", share(repeat, buyers)],
        ["average_order_value", money(total / orders) if orders else None],
    ], note="period_years: from --since (else the first counted order) to --until (else today); "
            "repeat_purchase_rate: share of buying customers with 2 or more orders")
    counts = figures["orders"]
    distribution = [[name, counts.get(name, 0), share(counts.get(name, 0), buyers)] for _, _, name in ORDER_BUCKETS]

    return [
        Section("summary", "Revenue", [Column("metric", "Metric"), Column("value", "Value", "number")],
                [["revenue", money(total)], ["orders", orders], ["buying_customers", buyers]],
                note="revenue counts completed and partially refunded orders at their recorded amount"),
        Section("by_period", f"Revenue by {ctx.by}", [Column("period", ctx.by.capitalize(), "period"), AMOUNT, ORDERS,
                                                     Column("avg_order", "Average order", "money")],
                periods, Chart("line", "period", ("amount",))),
        Section("by_product", "Revenue by product (产品/服务)", [Column("product", "Product"), AMOUNT, ORDERS, SHARE],
                by("product"), Chart("pie", "product", ("amount",))),
        Section("by_owner", "Revenue by owner (负责人)", [Column("owner", "Owner"), AMOUNT, ORDERS, SHARE],
                by("owner"), Chart("bar", "owner", ("amount",))),
        frequency,
        Section("orders_per_customer", "Orders per buying customer",
                [Column("orders", "Orders"), Column("customers", "Customers", "int"), SHARE], distribution,
                Chart("bar", "orders", ("customers",))),
        *_lifetime_value(ctx, per_customer, figures),
    ]


def _years(ctx: Context, cube: str) -> float | None:
    start = ctx.since
    if start is None:
        (start,) = ctx.one(f"SELECT min(day) FROM {cube}")
    if start is None:
        return None
    end = ctx.until or max(ctx.today.isoformat(), start)
    days = (date.fromisoformat(end[:10]) - date.fromisoformat(start[:10])).days + 1
    return days / 365.25 if days > 0 else None


def _lifetime_value(ctx: Context, per_customer: str, figures: dict[str, Any]) -> list[Section]:
    if ctx.since:  # lifetime value spans all history up to --until, whatever --since says
        scope, sparams = ctx.scope("o.customer_id")
        until, uparams = ctx.period("o.date", since=False)
        per_customer = ctx.cube(f"SELECT o.customer_id AS customer_id, sum(o.amount) AS amount, count(*) AS n "
                                f"FROM orders o WHERE o.{REVENUE_SQL} AND {until} AND {scope} GROUP BY o.customer_id",
                                uparams + sparams)
        figures = _figures(ctx, per_customer)
    buyers, total, top = figures["buyers"], figures["total"], figures["top"]
    clv = Section("clv", "Customer lifetime value (客户生命周期价值)", [Column("metric", "Metric"),
                                                                    Column("value", "Value", "number")], [
        ["buying_customers", buyers],
        ["lifetime_revenue", money(total)],
        ["average_clv", money(total / buyers) if buyers else None],
        ["highest_clv", money(top) if top is not None else None],
    ], note=CLV_FORMULA)
    bands = figures["bands"]
    band_rows = [[name, bands.get(name, (0, 0))[0], share(bands.get(name, (0, 0))[0], buyers),
                  money(bands.get(name, (0, 0))[1])] for _, _, name in CLV_BANDS]
    top_rows = ctx.rows(
        f"SELECT p.customer_id, c.name, round(p.amount, 2), p.n, "
        f"(SELECT min(date) FROM orders WHERE customer_id = p.customer_id AND {REVENUE_SQL}), "
        f"(SELECT max(date) FROM orders WHERE customer_id = p.customer_id AND {REVENUE_SQL}) "
        f"FROM (SELECT * FROM {per_customer} ORDER BY amount DESC, customer_id LIMIT 10) p "
        f"LEFT JOIN customers c ON c.customer_id = p.customer_id ORDER BY p.amount DESC, p.customer_id")
    return [
        clv,
        Section("clv_bands", "Customers by lifetime value", [Column("band", "Lifetime value (元)"),
                                                              Column("customers", "Customers", "int"), SHARE, AMOUNT],
                band_rows, Chart("bar", "band", ("customers",))),
        Section("top_customers", "Top 10 customers by lifetime value",
                [Column("customer_id", "Customer ID"), Column("name", "Name"), AMOUNT, ORDERS,
                 Column("first_order", "First order", "date"), Column("last_order", "Last order", "date")],
                [list(r) for r in top_rows], Chart("bar", "name", ("amount",))),
    ]
