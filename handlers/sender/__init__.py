"""The order e-mail sender: order event models and kinds, rendering, claims, mailer and the batch loop.

`handlers/send_order_email.py` only wires these together; each module has one job and the
decisions (claim verdicts, SES error classes, sandbox rewrite) are pure functions.
"""
