"""A model client whose answers come from a function: `FunctionClient(lambda request: '{"paragraph": ...}')`.

The double for unit tests of anything that asks a model (drafting, curation) without the SDK or HTTP: it
implements `LLMClient`, keeps every request it was sent, and counts tokens the way a server would report
them (one per four characters). A function may return the content as text, or a whole `ChatResult`
(to script a cut-off answer or usage), or raise an `LLMError` (a failure no retry fixed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from naftiko_writer.llm.protocol import ChatRequest, ChatResult

Answer = Callable[[ChatRequest], "str | ChatResult"]


@dataclass
class FunctionClient:
    """LLMClient answering each request with `answer(request)`."""

    answer: Answer
    requests: list[ChatRequest] = field(default_factory=list)
    closed: bool = False
    dialect: str | None = None

    async def complete(self, request: ChatRequest) -> ChatResult:
        """The function's answer to `request` (recorded in `requests`)."""
        self.requests.append(request)
        answered = self.answer(request)
        if isinstance(answered, ChatResult):
            return answered
        prompt = sum(len(message.get("content", "")) for message in request.messages)
        return ChatResult(
            content=answered,
            finish_reason="stop",
            prompt_tokens=prompt // 4 + 1,
            completion_tokens=len(answered) // 4 + 1,
            retries=0,
            recording=None,
        )

    def unused_recordings(self) -> list[Path]:
        """Nothing is replayed."""
        return []

    async def close(self) -> None:
        """Mark the client closed (a test can check that its owner closed it)."""
        self.closed = True
