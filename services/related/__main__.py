"""`python -m services.related`: run the related worker."""

from services.related.app import SERVICE, create_app
from services.related.settings import Settings
from shared.runtime.runner import run_worker

if __name__ == "__main__":
    run_worker(SERVICE, Settings, create_app)
