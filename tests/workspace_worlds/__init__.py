"""Records of every kind a hub-workspace URL can name, for tests/test_workspace_access.py.

Each module here describes one app's part of a hub: ``HUB_PATHS`` (lookups
from its models back to the hub), ``KWARG_HINTS`` (URL argument name
fragment -> model labels) and ``build(hub, lead)`` (creates at least one record
of each of its models in the hub). Add a module when an app adds workspace URLs.
"""

import importlib
import pkgutil


def modules():
    for info in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")
