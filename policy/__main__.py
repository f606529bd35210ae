"""Entry point the Pulumi CLI runs for `--policy-pack policy`: serve the rules (this call blocks)."""

import sys
from pathlib import Path

# The CLI runs this file from inside `policy/`; the rules import each other as `policy.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.rules import PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=list(POLICIES), enforcement_level=EnforcementLevel.ADVISORY)
