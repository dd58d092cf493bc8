"""Configuration read from the environment (names fixed by the contract)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_URI = "bolt://127.0.0.1:7687"
DATA_DIR = PROJECT_ROOT / ".tunegraph"
MODELS = "models"  # under the data folder
MEDIA = "media"  # under the data folder
LOOPBACK = ("127.0.0.1", "localhost")


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "false", "true", "no", "yes"):
        raise ValueError(f"{name} must be 1 or 0, got {raw!r}")
    return raw in ("1", "true", "yes")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything tunegraph reads from its environment."""

    neo4j_uri: str = DEFAULT_URI
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    jwt_secret: str = "dev-secret-change-me"
    model_dir: Path = DATA_DIR / MODELS
    rate_limit: int = 50_000
    rate_limit_max: int | None = None  # None: 10 x rate_limit
    redis_url: str | None = None
    data_dir: Path = DATA_DIR
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "4g"
    album_cache: int = 20_000
    panel_cache: int = 1_000
    response_cache: int = 10_000  # entries; 0 turns the whole-response cache off
    response_cache_mb: int = 64
    chart_seconds: int = 60
    workers: int = 1
    persisted_queries: Path | None = None
    persisted_only: bool = False
    max_body_bytes: int = 2_097_152
    media_dir: Path = DATA_DIR / MEDIA
    masters_dir: Path | None = None  # None: demo masters, synthesized under media_dir/masters on demand
    media_secret: str | None = None  # None: derived from jwt_secret
    download_seconds: int = 900
    media_cache_mb: int = 2048
    changes_days: int = 30
    webhooks_allow_loopback: bool = False
    webhook_timeout: float = 10.0
    compiled: bool = True  # storefront pages answered by compiled plans (api/compiled/); 0: the executor only
    demo_login: bool = False  # the storefront's demo sign-in mints customer tokens: development only

    @property
    def local_bolt(self) -> tuple[str, int] | None:
        """(host, port) when NEO4J_URI is a Bolt address on this machine, else None."""
        parts = urlsplit(self.neo4j_uri)
        if parts.scheme not in ("bolt", "neo4j") or parts.hostname not in LOOPBACK:
            return None
        return parts.hostname or "127.0.0.1", parts.port or 7687

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from os.environ (or the given mapping); what is unset keeps the field's default."""
        e = os.environ if env is None else env
        d = cls()
        data_dir = Path(e.get("TUNEGRAPH_DATA_DIR") or d.data_dir)
        return cls(
            neo4j_uri=e.get("NEO4J_URI") or d.neo4j_uri,
            neo4j_user=e.get("NEO4J_USER") or d.neo4j_user,
            neo4j_password=e.get("NEO4J_PASSWORD", d.neo4j_password),
            neo4j_database=e.get("NEO4J_DATABASE") or d.neo4j_database,
            host=e.get("TUNEGRAPH_HOST") or d.host,
            port=_int(e, "TUNEGRAPH_PORT", d.port),
            jwt_secret=e.get("TUNEGRAPH_JWT_SECRET") or d.jwt_secret,
            model_dir=Path(e.get("TUNEGRAPH_MODEL_DIR") or data_dir / MODELS),
            rate_limit=_int(e, "TUNEGRAPH_RATE_LIMIT", d.rate_limit),
            rate_limit_max=_int(e, "TUNEGRAPH_RATE_LIMIT_MAX", 0) or d.rate_limit_max,
            redis_url=e.get("TUNEGRAPH_REDIS_URL") or d.redis_url,
            data_dir=data_dir,
            neo4j_heap=e.get("TUNEGRAPH_NEO4J_HEAP") or d.neo4j_heap,
            neo4j_pagecache=e.get("TUNEGRAPH_NEO4J_PAGECACHE") or d.neo4j_pagecache,
            album_cache=_int(e, "TUNEGRAPH_ALBUM_CACHE", d.album_cache),
            panel_cache=_int(e, "TUNEGRAPH_PANEL_CACHE", d.panel_cache),
            response_cache=_int(e, "TUNEGRAPH_RESPONSE_CACHE", d.response_cache),
            response_cache_mb=_int(e, "TUNEGRAPH_RESPONSE_CACHE_MB", d.response_cache_mb),
            chart_seconds=_int(e, "TUNEGRAPH_CHART_SECONDS", d.chart_seconds),
            workers=_int(e, "TUNEGRAPH_WORKERS", d.workers),
            persisted_queries=Path(p) if (p := e.get("TUNEGRAPH_PERSISTED_QUERIES")) else d.persisted_queries,
            persisted_only=_flag(e, "TUNEGRAPH_PERSISTED_ONLY"),
            max_body_bytes=_int(e, "TUNEGRAPH_MAX_BODY_BYTES", d.max_body_bytes),
            media_dir=Path(e.get("TUNEGRAPH_MEDIA_DIR") or data_dir / MEDIA),
            masters_dir=Path(m) if (m := e.get("TUNEGRAPH_MASTERS_DIR")) else d.masters_dir,
            media_secret=e.get("TUNEGRAPH_MEDIA_SECRET") or d.media_secret,
            download_seconds=_int(e, "TUNEGRAPH_DOWNLOAD_SECONDS", d.download_seconds),
            media_cache_mb=_int(e, "TUNEGRAPH_MEDIA_CACHE_MB", d.media_cache_mb),
            changes_days=_int(e, "TUNEGRAPH_CHANGES_DAYS", d.changes_days),
            webhooks_allow_loopback=e.get("TUNEGRAPH_WEBHOOKS_ALLOW_LOOPBACK", "").strip() in ("1", "true", "yes"),
            webhook_timeout=float(_int(e, "TUNEGRAPH_WEBHOOK_TIMEOUT", int(d.webhook_timeout))),
            compiled=_int(e, "TUNEGRAPH_COMPILED", int(d.compiled)) != 0,
            demo_login=_flag(e, "TUNEGRAPH_DEMO_LOGIN"),
        )
