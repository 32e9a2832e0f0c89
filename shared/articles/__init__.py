"""Articles as every entry point takes them in: validated, converted, deduplicated, published."""
