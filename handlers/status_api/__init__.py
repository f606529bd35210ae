"""The delivery status API: read-only answers to "what happened to order X's e-mail?".

`app.build_resolver` wires the routes; `queries.DeliveriesReader` holds the two table reads (by order,
recent by status); `params`, `cursor` and `views` are the pure parts with their own tests.
"""
