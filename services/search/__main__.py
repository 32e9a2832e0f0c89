"""`python -m services.search`: serve the search API."""

from services.search.app import create_app
from services.search.settings import Settings
from shared.runtime.runner import run_http

if __name__ == "__main__":
    run_http("search", Settings, create_app)
