"""Contracts: events, wire format, Redis keys and streams, index schema, filters, ids.

No I/O here; every other layer of shared/ and every service builds on it.
"""
