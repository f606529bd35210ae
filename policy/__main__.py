"""Entry point the Pulumi CLI runs for this pack: serve the rules to the engine (this call blocks).

The CLI runs this file by path (`python -m pulumi.policy <engine> <pack folder>`), from whatever
folder the pack was installed into: `./policy` in a checkout, `~/.pulumi/policies/<org>/
pulumi-analyzer-order-email-guardrails-v<version>/` after `pulumi policy enable`. Neither is an
importable package name, so the folder is loaded as the package `order_email_guardrails`, whose
modules then import each other relatively, as they do inside `order_email.policy`.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

PACKAGE = "order_email_guardrails"


def _rules():
    folder = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(PACKAGE, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.rules")


rules = _rules()
PolicyPack(name=rules.PACK_NAME, policies=list(rules.POLICIES), enforcement_level=EnforcementLevel.ADVISORY)
