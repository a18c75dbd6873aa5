"""The composition root of model clients: an `Endpoint` in, an `LLMClient` out.

Every use case that calls a model (a draft, an update, a fleet, `taxonomy suggest`) gets its client here:
plain replay reads recordings without the SDK (importing it takes longer than a whole replayed draft);
record and live modes build the SDK client over a recording transport. `transport` answers in place of
the network below the recording layer (tests' in-process fake servers); None is the network. A fleet's
clients are built with `shared` (`Shared`, see `share_clients`): its limit, through which their backoff
is waited out, and its one connection pool (llm/replay.py's SharedPool), under each company's own
recordings.

Importing this module loads neither openai nor httpx: they load only when a client that needs them is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from naftiko_writer.llm.limiter import Limiter
from naftiko_writer.llm.protocol import LLMClient, resolve_api_key
from naftiko_writer.options import Endpoint, RecordMode

if TYPE_CHECKING:
    from naftiko_writer.llm.replay import Transport


@dataclass(frozen=True)
class Shared:
    """What a fleet's clients share: the limit (backoff waits without a slot) and the connection pool."""

    limiter: Limiter
    pool: Transport | None = None
    """The fleet's connections (llm/replay.py's SharedPool); None: a transport given to the factory, or each client its own."""


class ClientFactory(Protocol):
    """Builds the client of one subject (a company, a curation batch) for an endpoint."""

    def __call__(
        self,
        endpoint: Endpoint,
        subject: str,
        *,
        offline_hint: str,
        on_retry: Callable[[str], None] | None = None,
        shared: Shared | None = None,
    ) -> LLMClient:
        """The client answering `subject`'s requests, its recordings under `<recordings_dir>/<subject>/`."""
        ...


def open_client(
    endpoint: Endpoint,
    subject: str,
    *,
    offline_hint: str,
    on_retry: Callable[[str], None] | None = None,
    transport: Transport | None = None,
    recordings: Path | None = None,
    shared: Shared | None = None,
) -> LLMClient:
    """The client for `subject` (see the module docstring); `recordings` overrides its recordings folder.

    `offline_hint` ends the missing-key error of record and live modes: what to run instead.
    """
    folder = recordings if recordings is not None else endpoint.recordings_dir / subject
    if endpoint.mode is RecordMode.REPLAY and transport is None:
        from naftiko_writer.llm.recordings import ReplayClient

        return ReplayClient(folder, subject, endpoint.base_url)
    from naftiko_writer.llm.client import OpenAIChatClient  # the SDK loads only when a model is called
    from naftiko_writer.llm.replay import RecordingTransport

    inner = transport if transport is not None else shared.pool if shared is not None else None
    return OpenAIChatClient(
        base_url=endpoint.base_url,
        api_key=resolve_api_key(endpoint.mode, endpoint.api_key, endpoint.base_url, offline_hint),
        timeout_seconds=endpoint.timeout_seconds,
        retry=endpoint.retry,
        transport=RecordingTransport(endpoint.mode, folder, subject, inner=inner, source=endpoint.recording_source),
        on_retry=on_retry,
        pacer=shared.limiter if shared is not None else None,
    )


def client_factory(transport: Transport) -> ClientFactory:
    """A factory whose clients send their HTTP to `transport` (an in-process server) instead of the network."""

    def build(
        endpoint: Endpoint,
        subject: str,
        *,
        offline_hint: str,
        on_retry: Callable[[str], None] | None = None,
        shared: Shared | None = None,
    ) -> LLMClient:
        return open_client(
            endpoint, subject, offline_hint=offline_hint, on_retry=on_retry, transport=transport, shared=shared
        )

    return build


def share_clients(clients: ClientFactory, shared: Shared) -> ClientFactory:
    """`clients`, each built with what a fleet shares (its limit and its pool)."""

    def build(
        endpoint: Endpoint,
        subject: str,
        *,
        offline_hint: str,
        on_retry: Callable[[str], None] | None = None,
        shared: Shared | None = shared,
    ) -> LLMClient:
        return clients(endpoint, subject, offline_hint=offline_hint, on_retry=on_retry, shared=shared)

    return build
