"""Settings for the benchmarks: the platform's, on a database of their own, plus `benchapp`.

`benchapp` is a tenant app whose second migration is "the new migration" applied to every
section; BENCH_MIGRATIONS=v1 hides it, v2 shows it.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES, INSTALLED_APPS, TENANT_APPS

# BENCH_DATABASE_NAME: another name, so that two people benchmarking on one server do not
# drop each other's database
DATABASES["default"]["NAME"] = os.environ.get("BENCH_DATABASE_NAME", "buddysystem_bench")
TENANT_APPS = [*TENANT_APPS, "benchapp"]
INSTALLED_APPS = [*INSTALLED_APPS, "benchapp"]
MIGRATION_MODULES = {"benchapp": f"benchapp.migrations_{os.environ.get('BENCH_MIGRATIONS', 'v1')}"}
