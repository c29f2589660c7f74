"""The audit catalogue: every action the code records is an ``AuditAction``, and ``audit()``
refuses any other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ledger.audit import AuditAction, audit
from ledger.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
APPS = ("common", "ledger", "approvals", "disbursement", "fundapp")


def _modules() -> dict[Path, ast.Module]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _argument(call: ast.Call, name: str, index: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[index] if index < len(call.args) else None


def _sees(module: ast.Module, path: Path, home: Path, name: str) -> bool:
    """Whether ``module`` calls the function ``name`` defined in ``home`` by that name."""
    if path == home:
        return True
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").rsplit(".", 1)[-1] == home.stem
        and any(alias.name == name and alias.asname is None for alias in node.names)
        for node in ast.walk(module)
    )


def _family(
    modules, home: Path, where: str, function: ast.FunctionDef, prefix: str, param: str
) -> set[str]:
    """``f"{prefix}{param}"``: the actions its callers make, every caller passing a literal."""
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    index = params.index(param) if param in params else len(params) + 1_000
    actions = set()
    for path, module in modules.items():
        if not _sees(module, path, home, function.name):
            continue
        for call in ast.walk(module):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == function.name
            ):
                value = _argument(call, param, index)
                assert isinstance(value, ast.Constant) and isinstance(value.value, str), (
                    f"{path}:{call.lineno} calls {function.name}() with a {param} that is not a "
                    f"literal, so the audit action it makes at {where} cannot be checked"
                )
                actions.add(prefix + value.value)
    assert actions, f"{where}: no caller of {function.name}() found"
    return actions


def _actions(modules, path: Path, function: ast.FunctionDef | None, call: ast.Call) -> set[str]:
    """The action(s) one ``audit(...)`` call can record, read from the source."""
    where = f"{path.relative_to(ROOT)}:{call.lineno}"
    expr = _argument(call, "action", 1_000)
    assert expr is not None, f"{where}: audit() without an action"
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "AuditAction"
    ):
        assert expr.attr in AuditAction.__members__, f"{where}: no AuditAction.{expr.attr}"
        return {AuditAction[expr.attr].value}
    if isinstance(expr, ast.Call) and _called_name(expr) == "AuditAction" and len(expr.args) == 1:
        expr = expr.args[0]
    if (
        isinstance(expr, ast.JoinedStr)
        and function is not None
        and len(expr.values) == 2
        and isinstance(expr.values[0], ast.Constant)
        and isinstance(expr.values[1], ast.FormattedValue)
        and isinstance(expr.values[1].value, ast.Name)
    ):
        return _family(
            modules, path, where, function, expr.values[0].value, expr.values[1].value.id
        )
    raise AssertionError(f"{where}: the audit action cannot be read from the source")


def _recorded_actions() -> dict[str, str]:
    """Every action any ``audit(...)`` call in the apps can record, with one place it is made."""
    modules = _modules()
    recorded: dict[str, str] = {}
    for path, module in modules.items():
        functions = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)]
        for node in ast.walk(module):
            if not (isinstance(node, ast.Call) and _called_name(node) == "audit"):
                continue
            enclosing = [
                f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)
            ]
            innermost = max(enclosing, key=lambda f: f.lineno) if enclosing else None
            for action in _actions(modules, path, innermost, node):
                recorded.setdefault(action, f"{path.relative_to(ROOT)}:{node.lineno}")
    return recorded


def test_every_action_recorded_in_the_code_is_in_the_catalogue_and_no_other():
    # given every audit(...) call in the apps, read from the source (dynamic actions such as
    # "case.<decision>" resolved through the literal each caller passes)
    recorded = _recorded_actions()

    # then each one is a catalogue member, and the catalogue names nothing else
    unknown = {
        action: where for action, where in recorded.items() if action not in AuditAction.values
    }
    assert unknown == {}
    assert set(AuditAction.values) - set(recorded) == set()


@pytest.mark.django_db
def test_an_action_outside_the_catalogue_is_refused_and_nothing_is_written():
    # when an action that is not in the catalogue is recorded
    with pytest.raises(ValueError, match="no.such_action"):
        audit(actor=None, action="no.such_action", object_type="x", object_id="1")

    # then nothing is written
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_member_or_its_plain_text_is_stored_as_the_same_text():
    # when an action is recorded as a member, and as the plain string of a member's value
    by_member = audit(actor=None, action=AuditAction.PERIOD_OPEN, object_type="x", object_id="1")
    by_text = audit(actor=None, action="period.open", object_type="x", object_id="2")

    # then both store the member's value as plain text
    stored = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert stored == ["period.open", "period.open"]
    assert type(by_member.action) is str and by_member.action == by_text.action == "period.open"
