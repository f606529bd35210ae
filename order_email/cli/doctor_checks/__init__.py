"""`order-email doctor`'s checks, by what they look at; `cli.doctor` runs them in `CHECKS` order."""
