"""Customer segments (seed 001 step 4, 客户分层): rules in the filter language, runs with history.

    rules    the TOML rules file: defaults, loading, checking (rules.py)
    metrics  the figures rules read: customer_metrics, one INSERT … SELECT (metrics.py)
    runs     `run` (one transaction, idempotent per day), `revert`, history (runs.py)
    views    list / show / diff over the stored runs (views.py)
    explain  why a customer is where it is (explain.py)
"""

from crmcli.segments.explain import COLUMNS as EXPLAIN_COLUMNS
from crmcli.segments.explain import Explanation, explain
from crmcli.segments.rules import DEFAULT_RULES, Rule, RuleSet, load, parse, parse_params
from crmcli.segments.runs import RunResult, current_run, history, revert, rules_of, run
from crmcli.segments.views import DIFF_COLUMNS, LIST_COLUMNS, SHOW_COLUMNS, members, moves, parse_day, summary

__all__ = [
    "DEFAULT_RULES", "DIFF_COLUMNS", "EXPLAIN_COLUMNS", "LIST_COLUMNS", "SHOW_COLUMNS", "Explanation", "Rule", "RuleSet", "RunResult",
    "current_run", "explain", "history", "load", "members", "moves", "parse", "parse_day", "parse_params", "revert", "rules_of", "run",
    "summary",
]
