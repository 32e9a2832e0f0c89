"""`python -m services.poller`: run the feed poller."""

from services.poller.app import SERVICE, create_app
from services.poller.settings import Settings
from shared.runtime.runner import run_worker

if __name__ == "__main__":
    run_worker(SERVICE, Settings, create_app)
