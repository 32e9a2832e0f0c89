"""`python -m services.enrichment`: run the enrichment worker."""

from services.enrichment.app import SERVICE, create_app
from services.enrichment.settings import Settings
from shared.runtime.runner import run_worker

if __name__ == "__main__":
    run_worker(SERVICE, Settings, create_app)
