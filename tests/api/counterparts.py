"""What the API offers for each service a web page calls (tests/api/test_service_coverage.py).

`COUNTERPARTS`: service (module.function) -> the API endpoints (URL names) that call it.
`NOT_IN_THE_API`: service -> why the API deliberately has no counterpart.
"""

COUNTERPARTS: dict[str, tuple[str, ...]] = {}

NOT_IN_THE_API: dict[str, str] = {}
