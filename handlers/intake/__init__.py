"""The order intake: an HTTP front door (Lambda function URL) for order systems that cannot publish to SNS.

`app.take_order` answers one request; `request` reads the function URL event, `fields` names the bad
fields, `orders_topic` publishes what the sender will accept.
"""
