"""Feed poller: polls registered RSS and Atom feeds and publishes their new items."""
