"""/pipeline and /health: for operators, and for clients that wait for the pipeline."""

from fastapi import APIRouter, HTTPException
from redis.exceptions import RedisError

from services.search.deps import Deps, meili_errors
from services.search.pipeline import PipelineState, pipeline_state

REDIS_DOWN = "the event stream (Redis) is unreachable"
router = APIRouter()


@router.get("/pipeline")
async def pipeline(deps: Deps) -> PipelineState:
    """Per stream and group: length, pending and lag; the index backlog; idle or not."""
    try:
        with meili_errors():
            return await pipeline_state(deps.redis, deps.streams, deps.client, deps.index_uid)
    except RedisError as exc:
        raise HTTPException(503, REDIS_DOWN) from exc


@router.get("/health")
async def health(deps: Deps) -> dict[str, str]:
    """Liveness: the service runs and reaches Redis and Meilisearch; the query embedder's state."""
    try:
        await deps.redis.ping()
    except RedisError as exc:
        raise HTTPException(503, REDIS_DOWN) from exc
    with meili_errors():
        deps.client.health()
    return {"status": "ok", "query_embedder": deps.embedder.state}
