"""Helpers the test packages share: imported by test modules, and by conftests to register fixtures.

No test module imports a conftest: what two places need lives here, once.
"""
