"""What a `crm doctor` check reports: one Finding per kind of problem (crmcli.doctor)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EXAMPLES = 5


@dataclass
class Finding:
    check: str
    table: str | None
    count: int
    message: str
    fix: str | None  # what --fix does about it; None: needs a person
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
