"""What the services share, in layers (each imports only the layers below it; `make lint`).

- articles, feeds, stories: domain code used by several entry points;
- runtime (stream workers) and web (HTTP services);
- adapters: clients of Redis, Meilisearch, the web and the embedding models;
- contracts: events, the wire format, Redis keys and stream names, the index schema, ids.
"""
