"""`order-email console`: an activity page on 127.0.0.1, a view on the status API.

`client` signs and sends the status API requests, `pages` turns console paths into those requests
and into server-rendered HTML (Jinja2, autoescaped), `server` serves them with the standard
library's HTTP server. No JavaScript, no build step.
"""
