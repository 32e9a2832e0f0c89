"""Contracts shared by every ontheme service: events, streams, settings, logging, clients."""
