"""Token prices as data (pricing/prices.yaml, overridable) and the cost of a run.

Prices are per million tokens, input and output, per model; the Batch API
discount is a fraction. A model missing from the table has no known cost:
summaries show it as unknown and `--max-cost` refuses to run with it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from naftiko_writer.data_files import DocumentError, load_document
from naftiko_writer.errors import ConfigError


class ModelPrice(BaseModel):
    """The price of one model."""

    model_config = ConfigDict(extra="forbid")

    input_per_million: float = Field(ge=0, description="USD per million prompt tokens.")
    output_per_million: float = Field(ge=0, description="USD per million completion tokens.")


class PriceTable(BaseModel):
    """prices.yaml."""

    model_config = ConfigDict(extra="forbid")

    version: str
    currency: str = "USD"
    batch_discount: float = Field(default=0.5, ge=0, le=1, description="Fraction off for Batch API requests.")
    models: dict[str, ModelPrice]

    def price_of(self, model: str) -> ModelPrice | None:
        """The model's price; a dated snapshot (`gpt-4o-mini-2024-07-18`) falls back to its family."""
        if model in self.models:
            return self.models[model]
        family = max((name for name in self.models if model.startswith(name + "-")), key=len, default=None)
        return self.models[family] if family else None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int, batch: bool = False) -> float | None:
        """Estimated cost in the table's currency, or None when the model has no price."""
        price = self.price_of(model)
        if price is None:
            return None
        total = (prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million) / 1_000_000
        return total * (1 - self.batch_discount) if batch else total


def load_prices(path: Path) -> PriceTable:
    """Read and validate a price table."""
    try:
        document = load_document(path)
    except DocumentError as exc:
        raise ConfigError(f"{exc}; fix the price table or point NAFTIKO_WRITER_PRICES / --prices at another") from exc
    try:
        return PriceTable.model_validate(document.data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors(include_url=False)
        )
        raise ConfigError(f"{path}: invalid price table: {problems}") from exc
