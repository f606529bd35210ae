"""Lambda handlers of order-email; each entry point is a thin adapter over `handlers.shared` and its own core."""
