"""The house rules, enforced: every domain is entered through its door, core stands alone, engines
are pure, and no two files import each other, however indirectly.

The import graph is read with grimp (the graph library behind import-linter); the layered rules
that import-linter can say in its own words are in `[tool.importlinter]` in pyproject.toml and run
here too, so `lint-imports` and this test agree. See docs/architecture.md ("The import contract").
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "joinedup"
DOMAINS = f"{PACKAGE}.domains"

# What another domain may import of a domain: its door (service), its public types (schemas) and
# its pure algorithms (engine or solver). Everything else is the domain's own business.
PUBLIC_ROOMS = frozenset({"service", "schemas", "engine", "solver"})

# Modules that wire the whole application together and so may reach into any domain.
COMPOSITION_ROOTS = (f"{PACKAGE}.main", f"{PACKAGE}.cli", f"{PACKAGE}.demo", f"{PACKAGE}.db.registry")

# The shared foundation: it is imported by domains and never imports them (or the web shell).
FOUNDATION = (f"{PACKAGE}.core", f"{PACKAGE}.db", f"{PACKAGE}.geo", f"{PACKAGE}.config", f"{PACKAGE}.logs")

# Engines are data in, data out: nothing from the web, the database or the request cycle.
ENGINE_ROOMS = frozenset({"engine", "solver"})
ENGINE_FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "jinja2",
    f"{PACKAGE}.web",
    f"{PACKAGE}.db",
    f"{PACKAGE}.core.deps",
)

# State changes go through core.changes (audit row and event together); only the audit domain,
# which reads the audit log, may touch the audit module itself.
CHANGE_PLUMBING = (f"{PACKAGE}.core.audit", f"{PACKAGE}.core.outbox")
CHANGE_PLUMBING_READERS = {f"{PACKAGE}.core.audit": (f"{DOMAINS}.audit",)}


@dataclass(frozen=True)
class Violation:
    rule: str
    importer: str
    imported: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.importer}:{self.line} imports {self.imported} ({self.text.strip()})"


def _within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _domain_of(module: str) -> tuple[str, str | None] | None:
    """(domain, room) of a module inside joinedup.domains, room None for the package itself."""
    if not module.startswith(DOMAINS + "."):
        return None
    parts = module.split(".")
    return parts[2], (parts[3] if len(parts) > 3 else None)


def build_graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT / "src"))
    return grimp.build_graph(
        PACKAGE, "fastapi", "starlette", "sqlalchemy", "jinja2", exclude_type_checking_imports=True
    )


def _edges(graph: grimp.ImportGraph) -> Iterator[tuple[str, str, int, str]]:
    for importer in sorted(graph.find_descendants(PACKAGE) | {PACKAGE}):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                yield importer, imported, detail["line_number"], detail["line_contents"]


def door_violations(edges: Iterable[tuple[str, str, int, str]]) -> list[Violation]:
    """Every import that breaks one of the house rules (the graph's edges as data, so the rules
    themselves can be tested on made-up edges)."""
    found: list[Violation] = []
    for importer, imported, line, text in edges:
        source, target = _domain_of(importer), _domain_of(imported)
        if target is not None and not _within(importer, *COMPOSITION_ROOTS):
            if _within(importer, *FOUNDATION):
                found.append(Violation("the foundation imports a domain", importer, imported, line, text))
            elif (source is None or source[0] != target[0]) and target[1] not in PUBLIC_ROOMS:
                found.append(Violation("a domain entered other than by its door", importer, imported, line, text))
        if _within(importer, *FOUNDATION) and _within(imported, f"{PACKAGE}.web"):
            found.append(Violation("the foundation imports the web shell", importer, imported, line, text))
        if source is not None and source[1] in ENGINE_ROOMS and _within(imported, *ENGINE_FORBIDDEN):
            found.append(Violation("an engine imports the web or the database", importer, imported, line, text))
        if source is not None:
            for plumbing in CHANGE_PLUMBING:
                readers = CHANGE_PLUMBING_READERS.get(plumbing, ())
                if _within(imported, plumbing) and not _within(importer, *readers):
                    found.append(
                        Violation("a change recorded other than through core.changes", importer, imported, line, text)
                    )
    return found


def file_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan's algorithm)."""
    modules = sorted(graph.find_descendants(PACKAGE) | {PACKAGE})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if not other.startswith(PACKAGE):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return build_graph()


def test_every_domain_is_entered_by_its_door(graph: grimp.ImportGraph) -> None:
    violations = door_violations(_edges(graph))
    assert not violations, "the import contract is broken:\n" + "\n".join(map(str, violations))


def test_no_two_files_import_each_other(graph: grimp.ImportGraph) -> None:
    cycles = file_cycles(graph)
    assert not cycles, "import cycles between files:\n" + "\n".join(" <-> ".join(c) for c in cycles)


# Rooms a domain may lack, each with its reason.
ROOMS_NOT_NEEDED = {
    (
        "audit",
        "models",
    ): "the audit log is core's table (every domain writes it through core.changes); this domain reads it",
}


def test_every_domain_has_the_same_rooms() -> None:
    missing = []
    for domain in sorted(p for p in (ROOT / "src" / PACKAGE / "domains").iterdir() if (p / "__init__.py").exists()):
        for room in ("models", "schemas", "service", "api", "permissions"):
            if (domain.name, room) in ROOMS_NOT_NEEDED:
                continue
            if not ((domain / f"{room}.py").exists() or (domain / room / "__init__.py").exists()):
                missing.append(f"{domain.name}/{room}")
    assert not missing, "domains without a room the house plan requires: " + ", ".join(missing)


def test_no_source_file_over_450_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "src").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not long, f"files over 450 lines (split them by job): {long}"


def test_import_linter_contracts_are_kept() -> None:
    """The layered rules as import-linter states them (`lint-imports` runs the same contracts)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0, "see the report above"


# The rules themselves can fail: each made-up edge below breaks exactly one of them.
@pytest.mark.parametrize(
    ("edge", "rule"),
    [
        (("joinedup.domains.discharge.matching", "joinedup.domains.capacity.models"), "by its door"),
        (("joinedup.domains.visibility.drilldown", "joinedup.domains.discharge.referrals"), "by its door"),
        (("joinedup.core.auth.service", "joinedup.domains.organisations.service"), "foundation imports a domain"),
        (("joinedup.db.session", "joinedup.web.render"), "foundation imports the web"),
        (("joinedup.domains.capacity.engine.sections", "sqlalchemy.orm"), "engine imports"),
        (("joinedup.domains.homecare.solver.engine", "joinedup.web.render"), "engine imports"),
        (("joinedup.domains.discharge.service.patients", "joinedup.core.outbox"), "through core.changes"),
        (("joinedup.domains.capacity.service", "joinedup.core.audit"), "through core.changes"),
    ],
)
def test_each_rule_catches_its_violation(edge: tuple[str, str], rule: str) -> None:
    violations = door_violations([(edge[0], edge[1], 1, "import")])
    assert [v.rule for v in violations if rule in v.rule], f"{edge} should break the rule '{rule}'"


@pytest.mark.parametrize(
    "edge",
    [
        ("joinedup.domains.discharge.matching", "joinedup.domains.capacity.service"),
        ("joinedup.domains.discharge.service.matches", "joinedup.domains.capacity.service.search"),
        ("joinedup.domains.visibility.views", "joinedup.domains.discharge.schemas"),
        ("joinedup.domains.neighbourhoods.engine.cover", "joinedup.domains.homecare.solver"),
        ("joinedup.domains.capacity.service.updates", "joinedup.domains.capacity.models"),
        ("joinedup.main", "joinedup.domains.capacity.api"),
        ("joinedup.db.registry", "joinedup.domains.capacity.models"),
        ("joinedup.domains.audit.service", "joinedup.core.audit"),
        ("joinedup.domains.capacity.service", "joinedup.core.changes"),
    ],
)
def test_what_the_rules_allow(edge: tuple[str, str]) -> None:
    assert door_violations([(edge[0], edge[1], 1, "import")]) == []
