"""Load the demo headlines into a running ingest service."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SAMPLE = Path(__file__).resolve().parents[1] / "demo" / "sample.jsonl"
BATCH = 1000  # the ingest API's largest batch
TIMEOUT_S = 60.0


@dataclass
class LoadResult:
    """How the ingest service answered the demo articles."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        total = self.accepted + self.duplicates + self.rejected
        text = (
            f"demo data: {total} headlines sent, {self.accepted} accepted, "
            f"{self.duplicates} already present"
        )
        if self.rejected:
            text += f", {self.rejected} rejected"
        if self.errors:
            text += "\n  " + "\n  ".join(self.errors[:5])
        return text


def load_sample(ingest_url: str, api_key: str, sample: Path = SAMPLE) -> LoadResult:
    """POST the sample to /articles/batch in chunks; failures are counted, never raised."""
    articles = [json.loads(line) for line in sample.read_text().splitlines() if line.strip()]
    result = LoadResult()
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=ingest_url, headers=headers, timeout=TIMEOUT_S) as client:
        for start in range(0, len(articles), BATCH):
            chunk = articles[start : start + BATCH]
            try:
                response = client.post("/articles/batch", json=chunk)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                result.errors.append(f"a batch of {len(chunk)} failed: {exc}")
                continue
            _count(result, response.json()["results"])
    return result


def _count(result: LoadResult, outcomes: list[dict[str, Any]]) -> None:
    for outcome in outcomes:
        if "error" in outcome:
            result.rejected += 1
            result.errors.append(f"rejected: {outcome['error']}")
        elif outcome.get("duplicate"):
            result.duplicates += 1
        else:
            result.accepted += 1
