"""Run the Pulumi program under mocks: the resource graph, without the Pulumi CLI or AWS."""

from order_email.mockstack.fake_cloud import ACCOUNT_ID, PARTITION, FakeCloud
from order_email.mockstack.runner import Project, RecordedResource, StackRun, run_program, run_stack, stack_config

__all__ = ["ACCOUNT_ID", "PARTITION", "FakeCloud", "Project", "RecordedResource", "StackRun", "run_program",
           "run_stack", "stack_config"]
