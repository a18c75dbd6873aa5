"""Settings: the only reader of environment variables.

Precedence is flag > environment > default, and every default lives here. Paths default
to the folders of the project checkout that holds this package (taxonomy/, fixtures/,
prompts/, pricing/), or, when the package is installed from a wheel, to the copies of
those folders installed with it (naftiko_writer/resources/).

A bad value in the environment is a one-line ConfigError naming the variable, never a
traceback; NAFTIKO_WRITER_CONCURRENCY is checked only when a command reads it, so a
bad value there does not stop `score` or `companies`.

Settings is a plain pydantic model that reads its variables from `os.environ` itself
(names are matched case-insensitively, as pydantic-settings would): every command
builds it, and pydantic-settings alone took longer to import than scoring a company.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from naftiko_writer.errors import ConfigError

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256
CONCURRENCY_VARIABLE = "NAFTIKO_WRITER_CONCURRENCY"
DEFAULT_MAX_REPAIRS = 2
DEFAULT_BATCH_MAX_REPAIRS = 1
"""Repair rounds per failed answer in a Batch API batch (each round is a whole batch turnaround)."""
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_BUDGET_OUTPUT_TOKENS = 2048
"""The output cap sent with each call of a run that has a budget but no --max-output-tokens."""
ENV_PREFIX = "NAFTIKO_WRITER_"
STANDARD_VARIABLES = {
    "concurrency_setting": CONCURRENCY_VARIABLE,
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
}
"""Fields read from a variable other than NAFTIKO_WRITER_<FIELD>."""


class Engine(StrEnum):
    """Who writes the prose."""

    LLM = "llm"
    TEMPLATE = "template"


class RecordMode(StrEnum):
    """How model calls are served."""

    REPLAY = "replay"
    RECORD = "record"
    LIVE = "live"


def _default_home() -> Path:
    """The checkout holding this package, else the data installed with it (the wheel's resources/)."""
    package = Path(__file__).resolve().parent
    for home in (package.parent, package / "resources"):
        if (home / "taxonomy").is_dir():
            return home
    return Path.cwd()


def variable_of(field: str) -> str:
    """The environment variable of a Settings field: NAFTIKO_WRITER_<FIELD>, or its standard name."""
    return STANDARD_VARIABLES.get(field) or ENV_PREFIX + field.upper()


class Settings(BaseModel):
    """Where naftiko-writer finds its data; every field has a NAFTIKO_WRITER_* variable (see `variable_of`)."""

    model_config = ConfigDict(extra="forbid")

    home: Path = Field(
        default_factory=_default_home, description="Project folder holding taxonomy/, fixtures/, prompts/."
    )
    taxonomy_dir: Path | None = Field(default=None, description="Taxonomy folder (default: HOME/taxonomy).")
    companies_dir: Path | None = Field(default=None, description="Company fixtures (default: HOME/fixtures/companies).")

    prompts_dir: Path | None = Field(default=None, description="Prompt templates (default: HOME/prompts).")
    recordings_dir: Path | None = Field(
        default=None, description="Recorded responses (default: HOME/fixtures/recordings)."
    )
    prices: Path | None = Field(default=None, description="Price table (default: HOME/pricing/prices.yaml).")
    drafts_dir: Path = Field(default=Path("drafts"), description="Where drafts are written (default: ./drafts).")
    model: str = Field(default=DEFAULT_MODEL, description="Model name sent to the endpoint.")
    concurrency_setting: str | None = Field(
        default=None,
        description="Model requests in flight at once, as given; read through `concurrency`, which checks it.",
    )
    openai_api_key: SecretStr | None = Field(default=None, description="API key for record/live modes.")
    openai_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint.")

    def __init__(self, **values: Any) -> None:
        """Read the environment (values given here win); a bad value is a ConfigError naming its variable."""
        try:
            super().__init__(**{**_environment(), **values})
        except ValidationError as exc:
            raise ConfigError(_settings_problem(exc)) from None

    @property
    def concurrency(self) -> int:
        """Model requests in flight at once (1-256): NAFTIKO_WRITER_CONCURRENCY, else 8; checked when read."""
        raw = self.concurrency_setting
        if raw is None or not raw.strip():
            return DEFAULT_CONCURRENCY
        text = raw.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= MAX_CONCURRENCY):
            raise ConfigError(
                f"{CONCURRENCY_VARIABLE}={raw[:40]!r} is not a whole number from 1 to {MAX_CONCURRENCY}; "
                "fix it, unset it, or pass --concurrency"
            )
        return int(text)

    def resolved_prices(self, override: Path | None = None) -> Path:
        """The price table: flag, else environment, else HOME/pricing/prices.yaml."""
        return override or self.prices or self.home / "pricing" / "prices.yaml"

    def resolved_prompts_dir(self) -> Path:
        """The prompts folder: environment, else HOME/prompts."""
        return self.prompts_dir or self.home / "prompts"

    def resolved_recordings_dir(self) -> Path:
        """The recordings folder: environment, else HOME/fixtures/recordings."""
        return self.recordings_dir or self.home / "fixtures" / "recordings"

    def resolved_taxonomy_dir(self, override: Path | None = None) -> Path:
        """The taxonomy folder: flag, else environment, else HOME/taxonomy."""
        return override or self.taxonomy_dir or self.home / "taxonomy"

    def resolved_companies_dir(self, override: Path | None = None) -> Path:
        """The companies folder: flag, else environment, else HOME/fixtures/companies."""
        return override or self.companies_dir or self.home / "fixtures" / "companies"


def _environment() -> dict[str, str]:
    """The Settings fields set in the environment, by field name (variable names in any case)."""
    by_name = {name.upper(): value for name, value in os.environ.items()}
    found = {}
    for field in Settings.model_fields:
        value = by_name.get(variable_of(field))
        if value is not None:
            found[field] = value
    return found


def _settings_problem(error: ValidationError) -> str:
    """One line per bad variable: its name, what is wrong, and the fix."""
    problems = []
    for item in error.errors(include_url=False):
        variable = variable_of(str(item["loc"][0])) if item["loc"] else ENV_PREFIX + "*"
        problems.append(f"{variable}: {item['msg']}; fix or unset it")
    return "\n".join(problems) or "the settings in the environment are invalid; check NAFTIKO_WRITER_* variables"
