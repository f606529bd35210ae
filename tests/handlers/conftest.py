"""Handler tests run on moto with the stack's two tables (`tests.support.aws`)."""

from tests.support.aws import aws, tables

__all__ = ["aws", "tables"]
