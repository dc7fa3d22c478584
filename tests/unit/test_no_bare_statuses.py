"""No status is a bare string outside its enum: the application code compares,
assigns and stores the stored states (wrse_bot/domain/statuses.py and
neighbours) through their enums, so a typo fails at import, not in a query.

The scan is syntactic (ast) and deliberately simple. It looks at the column
names that hold an enum (``status``, ``kind``, ``verdict``, ...) and flags a
string literal equal to one of that column's values when it is compared with
the attribute (``x.status == "enrolled"``, ``Model.kind.in_(("a", "b"))``),
assigned to it (``reg.status = "active"``), passed as its keyword
(``Enrolment(status="waitlisted")``, ``.values(status="cancelled")``) or given
as its key in a dict of column values. On an instance attribute a value is
left alone when a ``Literal[...]`` in the code also uses it (a view's "done"
or "sent" is a screen's outcome, not a row's state); on a mapped class
(``CheckIn.status``) every value counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import CheckConstraint

from wrse_bot.db.models import Base
from wrse_bot.domain.statuses import CheckInStatus

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "wrse_bot").rglob("*.py")),
    *sorted((ROOT / "conversations").rglob("*.py")),
]
SOURCES.append(ROOT / "bot.py")

MODELS = {m.class_.__name__ for m in Base.registry.mappers}


def _column_of_check(c: CheckConstraint) -> str:
    return str(c.sqltext).split(" IN ", 1)[0].strip()


def _columns() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table in Base.metadata.sorted_tables:
        for c in table.constraints:
            if isinstance(c, CheckConstraint) and "enum" in c.info:
                out.setdefault(_column_of_check(c), set()).update(v.value for v in c.info["enum"])
    # Read models carry a check-in's status under this name.
    out["checkin_status"] = {v.value for v in CheckInStatus}
    return out


COLUMNS = _columns()


def _trees(sources: list[Path]) -> Iterator[tuple[Path, ast.AST]]:
    for path in sources:
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _literal_strings() -> set[str]:
    """Every string inside a ``Literal[...]``: outcomes of screens and results."""
    found: set[str] = set()
    for _, tree in _trees(SOURCES):
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
                for sub in ast.walk(node.slice):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        found.add(sub.value)
    return found


AMBIGUOUS = _literal_strings()


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for elt in node.elts for s in _strings(elt)]
    return []


def _on_model(attr: ast.Attribute) -> bool:
    return isinstance(attr.value, ast.Name) and attr.value.id in MODELS


def _bare(column: str, value_node: ast.AST, *, strict: bool) -> list[str]:
    allowed = COLUMNS.get(column, set())
    return [v for v in _strings(value_node) if v in allowed and (strict or v not in AMBIGUOUS)]


def offences(sources: list[Path], root: Path) -> list[str]:
    found: list[str] = []

    def flag(path: Path, node: ast.AST, values: list[str]) -> None:
        if values:
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
            found.append(f"{where}: {', '.join(repr(v) for v in values)}")

    for path, tree in _trees(sources):
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                for side in sides:
                    if isinstance(side, ast.Attribute) and side.attr in COLUMNS:
                        for other in sides:
                            if other is not side:
                                flag(path, node, _bare(side.attr, other, strict=_on_model(side)))
            elif isinstance(node, ast.Call):
                func = node.func
                # Model.status.in_(("a", "b")) / .notin_(...)
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr in ("in_", "not_in", "notin_")
                    and isinstance(func.value, ast.Attribute)
                    and func.value.attr in COLUMNS
                ):
                    for arg in node.args:
                        flag(path, node, _bare(func.value.attr, arg, strict=True))
                for kw in node.keywords:
                    if kw.arg in COLUMNS:
                        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                        strict = name in MODELS or name in ("values", "enqueue")
                        flag(path, node, _bare(kw.arg, kw.value, strict=strict))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr in COLUMNS and node.value:
                        flag(path, node, _bare(target.attr, node.value, strict=False))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in COLUMNS:
                        flag(path, node, _bare(str(key.value), value, strict=False))
    return found


def test_no_stored_state_is_a_bare_string() -> None:
    assert offences(SOURCES, ROOT) == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan itself works: each kind of use it promises to catch is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "Registrant.status == 'deleted'\n"
        "Enrolment.status.in_(('enrolled', 'offered'))\n"
        "reg.status = 'active'\n"
        "Enrolment(user_id=1, status='waitlisted')\n"
        "update(OutboxMessage).values(status='cancelled')\n"
        "{'status': 'deleted'}\n"
        "card.kind == 'nik_mismatch'\n"
        "view.status == 'stale'\n",  # not a stored state: left alone
        encoding="utf-8",
    )
    found = offences([sample], tmp_path)
    assert sorted(int(line.split(":")[1]) for line in found) == [1, 2, 3, 4, 5, 6, 7]
