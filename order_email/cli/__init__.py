"""The `order-email` operator command line."""
