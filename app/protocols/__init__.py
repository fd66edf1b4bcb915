"""Wire formats, each in one module that both of its ends use (encode and parse)."""
