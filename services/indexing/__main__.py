"""`python -m services.indexing`: run the indexing worker."""

from services.indexing.app import SERVICE, create_app
from services.indexing.settings import Settings
from shared.runtime.runner import run_worker

if __name__ == "__main__":
    run_worker(SERVICE, Settings, create_app)
