"""The order-email policy pack: guardrails the Pulumi engine enforces on every preview and update.

`policy.rules.POLICIES` holds every rule (importable and unit-tested); `policy/__main__.py` serves
them to the engine; `policy.check.check_resources` runs them over recorded resources without the CLI.
Nothing here imports pulumi-aws or the components, so the pack runs in its own small virtualenv.
"""
