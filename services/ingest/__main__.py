"""`python -m services.ingest`: serve the ingest API."""

from services.ingest.app import create_app
from services.ingest.settings import Settings
from shared.runtime.runner import run_http

if __name__ == "__main__":
    run_http("ingest", Settings, create_app)
