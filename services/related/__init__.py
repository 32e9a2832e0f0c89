"""Related worker: stores, on each article, the articles most related to it."""
