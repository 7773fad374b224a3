"""Rate limits per client address (Flask-Limiter): in memory, or shared through Redis."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from forum.privacy import hash_address


def client_address() -> str:
    """The client's address: the peer's, or the one trusted proxies say (see ProxyFix)."""
    return request.remote_addr or "unknown"


def client_key() -> str:
    """What limits are counted by: the keyed hash of the address, never the address itself
    (counters may live in Redis, and addresses are kept only as keyed hashes)."""
    from forum import address_key

    return hash_address(client_address(), address_key(current_app)) or "unknown"


limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)


def reply_limit() -> str:
    return current_app.config["REPLY_RATE_LIMIT"]


def flag_limit() -> str:
    return current_app.config["FLAG_RATE_LIMIT"]


# One budget per client for every way of replying (two API endpoints, two forms) and one
# for every way of flagging (the API and the form): limits counted per route let a client
# post the documented number through each of them, four times as many replies in all.
replies_limited = limiter.shared_limit(reply_limit, scope="replies")
flags_limited = limiter.shared_limit(flag_limit, scope="flags")


def init_rate_limits(app: Flask) -> None:
    """Bind the limiter; trust X-Forwarded-For only for the configured number of proxies."""
    storage = app.config["RATELIMIT_STORAGE_URL"]
    if storage == "memory://" and app.config.get("REDIS_URL"):
        storage = app.config["REDIS_URL"]  # several app servers count together
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]
    limiter.init_app(app)
