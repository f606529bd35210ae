"""The delivery status API: read-only answers to "what happened to order X's e-mail?".

`app.build_resolver` wires the routes; `queries.DeliveriesReader` holds the table reads (by order,
recent by status, by recipient); `params`, `cursor` and `views` are the pure parts with their own tests.
"""
