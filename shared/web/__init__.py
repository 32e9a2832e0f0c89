"""What the HTTP services share: request size limits, error bodies, request metrics."""
