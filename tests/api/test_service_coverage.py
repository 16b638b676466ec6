"""Every service a web view calls has an API counterpart, or a stated reason why not.

The web views are read (their source, not run): each call to a function of a module they
imported as services (`from core import services`, `from core.services import withdraw`,
`from matching import pairs as pair_services`, the network's `admins`, `joining`...) is a
capability of the web. It must be in tests/api/counterparts.py, with the API endpoints that
offer it (which must exist) or with the reason the API leaves it out. A new web capability
without either fails here.
"""

import ast
from pathlib import Path

from api_routes import api_routes
from counterparts import COUNTERPARTS, NOT_IN_THE_API
from django.conf import settings

SRC = Path(__file__).resolve().parents[2] / "src"


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


def web_view_modules() -> list[Path]:
    """The modules of the web views: views.py, *_views.py and views_*.py, outside the API."""
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if "views" in path.stem
        and "migrations" not in path.parts
        and path.parts[-2] != "api"
        and module_name(path).split(".")[0] != "api"
    )


# Modules of writes that are not named services (the network's, one per sub-domain).
SERVICE_MODULES = {"network.admins", "network.joining", "network.lifecycle", "network.support"}


def is_services(module: str, alias: str) -> bool:
    return (
        module.split(".")[-1] == "services"
        or alias.endswith("services")
        or module in SERVICE_MODULES
    )


def services_called(path: Path) -> set[str]:
    """`module.function` for every call of a services function in the file."""
    tree = ast.parse(path.read_text())
    modules: dict[str, str] = {}  # local name -> services module
    functions: dict[str, str] = {}  # local name -> module.function
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                local = alias.asname or alias.name
                if is_services(f"{node.module}.{alias.name}", local):
                    modules[local] = f"{node.module}.{alias.name}"
                elif node.module.split(".")[-1] == "services" and alias.name[0].islower():
                    functions[local] = f"{node.module}.{alias.name}"
    called = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.value.id in modules:
                called.add(f"{modules[target.value.id]}.{target.attr}")
        elif isinstance(target, ast.Name) and target.id in functions:
            called.add(functions[target.id])
    return called


def web_services() -> dict[str, set[str]]:
    """service -> the view modules that call it."""
    found: dict[str, set[str]] = {}
    for path in web_view_modules():
        for service in services_called(path):
            found.setdefault(service, set()).add(module_name(path))
    return found


def test_the_reading_of_the_views_finds_what_they_call():
    """The positive control: calls the web is known to make are found."""
    found = web_services()
    assert "core.services.withdraw" in found
    assert "matching.services.request_match_run" in found
    assert "core.exchange.services.commit_import" in found
    assert len(found) > 30


def test_every_service_a_web_view_calls_has_an_api_counterpart_or_a_reason():
    missing = {
        service: sorted(views)
        for service, views in web_services().items()
        if service not in COUNTERPARTS and service not in NOT_IN_THE_API
    }
    assert missing == {}, (
        "services the web pages call with no API counterpart: add them to the API, or"
        " say in tests/api/counterparts.py why the API leaves them out"
    )


def test_the_counterparts_named_exist_and_the_lists_are_not_stale():
    endpoints = {route.name for route in api_routes(settings.ROOT_URLCONF)}
    endpoints |= {route.name for route in api_routes("config.urls_public")}
    unknown = {
        service: sorted(set(names) - endpoints)
        for service, names in COUNTERPARTS.items()
        if not names or set(names) - endpoints
    }
    assert unknown == {}, "counterparts naming no endpoint, or endpoints that do not exist"
    assert not set(COUNTERPARTS) & set(NOT_IN_THE_API), "a service both offered and left out"
    called = set(web_services())
    assert sorted(set(NOT_IN_THE_API) - called) == [], "reasons for services no view calls"
    assert all(len(reason) > 15 for reason in NOT_IN_THE_API.values()), "say why"
