"""One package per vendor API. Vendors never import each other; each maps its wire format onto the domain."""
