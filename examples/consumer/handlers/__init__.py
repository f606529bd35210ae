"""shop-mail's own Lambda code. Packaged by the program (`components.packaging`), never by order-email."""
