"""The SES feedback loop: envelopes → typed SES events → rank-guarded delivery updates, suppression,
metrics and status-change events. `handlers/ses_feedback.py` only wires these modules together."""
