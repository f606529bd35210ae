"""A minimal Lambda runtime: runs in a function's own process, with exactly that function's environment.

Started by `workers.FunctionWorker` as `python -m localmode.lambda_runtime <response-fd> [fault-plan]`. The
handler named by `_HANDLER` is imported on the first invocation (its init phase: module-level
settings and clients see only this process's environment) and re-imported after a failed init, as
Lambda does. Invocations arrive as JSON lines on stdin; answers go to the response pipe, so the
handler's stdout (Powertools logs and EMF) stays exactly what CloudWatch Logs would receive.

With a fault plan (chaos runs, JSON on the command line, never in the environment), a
`faults.FaultInjector` hooks every botocore session too. When it kills the process after an
accepted send, it first writes a `crashed` answer with the calls and faults observed, so the parent
reports the invocation failed (the e-mail SES accepted is the local SES's to report, as in AWS).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from order_email.localmode.capture import CallRecorder


class LambdaContext:
    """The attributes and method Lambda's Python context object offers (Powertools reads them)."""

    def __init__(self, request_id: str, timeout_ms: int, function_arn: str):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.invoked_function_arn = function_arn
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(error: BaseException, kind: str | None = None) -> dict[str, Any]:
    return {
        "errorType": kind or type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }


def _load(spec: str) -> Callable[[Any, Any], Any]:
    module_name, _, attribute = spec.rpartition(".")
    handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module_name), attribute)
    return handler


def _injector(plan_json: str, recorder: CallRecorder, respond: Any, current: dict[str, Any]) -> Any:
    """The fault injector of a chaos run; its crash hook reports before the process dies."""
    from order_email.localmode.faults import CRASH_EXIT_CODE, FaultInjector, FaultPlan

    def on_crash() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        respond.write(json.dumps({
            "id": current.get("id"), "crashed": True, "calls": recorder.drain(),
            "faults": injector.drain(),
            "durationMs": (time.monotonic() - current.get("started", time.monotonic())) * 1000,
            "error": {"errorType": "Runtime.ExitError",
                      "errorMessage": f"RequestId: {current.get('requestId')} Error: Runtime exited with error: "
                                      f"signal: killed (exit status {CRASH_EXIT_CODE})"},
        }, default=str) + "\n")
        respond.flush()

    injector = FaultInjector(FaultPlan.from_json(plan_json), os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
                             int(os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "0")[-4:] or 0), on_crash)
    return injector


def main() -> None:
    respond = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    recorder = CallRecorder()
    current: dict[str, Any] = {}
    injector = _injector(sys.argv[2], recorder, respond, current) if len(sys.argv) > 2 else None
    recorder.install(also=injector.attach if injector is not None else None)
    handler: Callable[[Any, Any], Any] | None = None
    for line in sys.stdin:
        request = json.loads(line)
        current.update(id=request["id"], requestId=request["requestId"], started=time.monotonic())
        if injector is not None:
            injector.begin(int(request["id"]))
        started = time.monotonic()
        answer: dict[str, Any] = {"id": request["id"], "coldStart": handler is None}
        try:
            if handler is None:
                try:
                    handler = _load(os.environ["_HANDLER"])
                except Exception as error:
                    answer["error"] = _error(error, f"Runtime.InitError: {type(error).__name__}")
                    raise
            context = LambdaContext(request["requestId"], request["timeoutMs"], request.get("functionArn", ""))
            answer["result"] = handler(request["event"], context)
        except Exception as error:
            answer.setdefault("error", _error(error))
            traceback.print_exc(file=sys.stderr)
        sys.stdout.flush()
        answer["durationMs"] = (time.monotonic() - started) * 1000
        answer["calls"] = recorder.drain()
        if injector is not None:
            answer["faults"] = injector.drain()
        respond.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    main()
