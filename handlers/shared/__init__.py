"""Code every handler shares: the table contract, status ranking, masking, telemetry and SQS plumbing."""
