"""Run the Pulumi program under mocks: the resource graph, without the Pulumi CLI or AWS."""

from mockstack.fake_cloud import ACCOUNT_ID, FakeCloud
from mockstack.runner import PROJECT_DIR, RecordedResource, StackRun, run_program, run_stack, stack_config

__all__ = ["ACCOUNT_ID", "PROJECT_DIR", "FakeCloud", "RecordedResource", "StackRun", "run_program",
           "run_stack", "stack_config"]
