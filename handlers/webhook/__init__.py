"""Webhook delivery: every `Email Status Changed` event POSTed to the shop's endpoint, signed.

`endpoint` says which URLs are allowed, `signing` how a body is signed (the receiver's recipe is in
README "Webhooks"), `transport` makes one POST, `retries` the backoff between attempts, `batch` runs
one SQS batch through them; `handlers/webhook_delivery.py` wires them to AWS.
"""
