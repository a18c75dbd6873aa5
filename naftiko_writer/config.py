"""Settings: the only reader of environment variables.

Precedence is flag > environment > default, and every default lives here. Paths default
to the folders of the project checkout that holds this package (taxonomy/, fixtures/,
prompts/, pricing/), or, when the package is installed from a wheel, to the copies of
those folders installed with it (naftiko_writer/resources/).

A bad value in the environment is a one-line ConfigError naming the variable, never a
traceback; NAFTIKO_WRITER_CONCURRENCY is checked only when a command reads it, so a
bad value there does not stop `score` or `companies`.

Settings is a plain class that reads its variables from `os.environ` when built (names
matched case-insensitively; an empty value counts as unset): every command builds it, and
pydantic-settings alone took longer to import than scoring a company.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr

from naftiko_writer.errors import ConfigError
from naftiko_writer.options import (
    DEFAULT_BASE_URL,
    DEFAULT_BATCH_MAX_REPAIRS,
    DEFAULT_BUDGET_OUTPUT_TOKENS,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_REPAIRS,
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_CONCURRENCY,
    DraftOptions,
    Endpoint,
    Engine,
    RecordMode,
    RetryPolicy,
    Sources,
)

__all__ = [  # the defaults and enums live with the option groups (options.py); importable from here too
    "DEFAULT_BASE_URL",
    "DEFAULT_BATCH_MAX_REPAIRS",
    "DEFAULT_BUDGET_OUTPUT_TOKENS",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MAX_REPAIRS",
    "DEFAULT_MODEL",
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_CONCURRENCY",
    "Engine",
    "RecordMode",
    "Settings",
    "variable_of",
]

CONCURRENCY_VARIABLE = "NAFTIKO_WRITER_CONCURRENCY"
DEFAULT_STORE = Path("editions.sqlite")
"""The edition store when neither --store nor NAFTIKO_WRITER_STORE says where: in the current folder, like drafts/."""
ENV_PREFIX = "NAFTIKO_WRITER_"
STANDARD_VARIABLES = {
    "concurrency_setting": CONCURRENCY_VARIABLE,
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "xdg_cache_home": "XDG_CACHE_HOME",
}
"""Fields read from a variable other than NAFTIKO_WRITER_<FIELD>."""


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


class Settings:
    """Where naftiko-writer finds its data and its model, read from the environment when built.

    Every attribute has a variable (see `variable_of`): home (the project folder holding
    taxonomy/, fixtures/, prompts/), taxonomy_dir, companies_dir, prompts_dir, recordings_dir,
    prices (a file), drafts_dir (default ./drafts), model, concurrency (read through the
    `concurrency` property, which checks it), openai_api_key (for record/live modes; a
    SecretStr), openai_base_url, and cache with xdg_cache_home (the cache folder, see
    `resolved_cache_dir`), and store (the edition store, `resolved_store`). Folders left unset resolve
    under home (`resolved_*`).
    """

    FIELDS = (
        "home",
        "taxonomy_dir",
        "companies_dir",
        "prompts_dir",
        "recordings_dir",
        "prices",
        "drafts_dir",
        "model",
        "concurrency_setting",
        "openai_api_key",
        "openai_base_url",
        "cache",
        "xdg_cache_home",
        "store",
    )

    def __init__(self) -> None:
        """Read every variable now; nothing else in the package reads the environment."""
        values = _environment(self.FIELDS)
        self.home: Path = _path(values.get("home")) or _default_home()
        self.taxonomy_dir: Path | None = _path(values.get("taxonomy_dir"))
        self.companies_dir: Path | None = _path(values.get("companies_dir"))
        self.prompts_dir: Path | None = _path(values.get("prompts_dir"))
        self.recordings_dir: Path | None = _path(values.get("recordings_dir"))
        self.prices: Path | None = _path(values.get("prices"))
        self.drafts_dir: Path = _path(values.get("drafts_dir")) or Path("drafts")
        self.model: str = values.get("model") or DEFAULT_MODEL
        self.concurrency_setting: str | None = values.get("concurrency_setting")
        key = values.get("openai_api_key")
        self.openai_api_key: SecretStr | None = SecretStr(key) if key else None
        self.openai_base_url: str | None = values.get("openai_base_url") or None
        self.cache: str | None = values.get("cache") or None
        self.xdg_cache_home: str | None = values.get("xdg_cache_home") or None
        self.store: Path | None = _path(values.get("store"))

    def model_for(self, mode: RecordMode) -> str:
        """The model of a run when no `--model` is given.

        Live and record runs call the model NAFTIKO_WRITER_MODEL names (else the default). Replay, the
        default mode, reproduces recorded answers: it asks for the default model's recordings (the shipped
        ones), so a model set in the shell for live work does not turn the offline draft into a replay miss;
        `--model` replays the recordings made with another model.
        """
        return DEFAULT_MODEL if mode is RecordMode.REPLAY else self.model

    def api_key(self) -> str | None:
        """The API key's value (None when unset), revealed only to hand it to a client."""
        return self.openai_api_key.get_secret_value() if self.openai_api_key else None

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

    def resolved_cache_dir(self) -> Path | None:
        """The per-user cache folder (compiled taxonomies), or None for no cache.

        NAFTIKO_WRITER_CACHE (`off`: None), else $XDG_CACHE_HOME/naftiko-writer, else
        ~/.cache/naftiko-writer (None when there is no home folder).
        """
        if self.cache is not None:
            return None if self.cache.strip().lower() == "off" else Path(self.cache)
        if self.xdg_cache_home and Path(self.xdg_cache_home).is_absolute():  # the XDG spec ignores relative ones
            return Path(self.xdg_cache_home) / "naftiko-writer"
        try:
            return Path.home() / ".cache" / "naftiko-writer"
        except RuntimeError:  # no HOME and no password entry
            return None

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

    def resolved_store(self, override: Path | None = None) -> Path:
        """The edition store: flag, else NAFTIKO_WRITER_STORE, else ./editions.sqlite."""
        return override or self.store or DEFAULT_STORE

    def resolved_companies_dir(self, override: Path | None = None) -> Path:
        """The companies folder: flag, else environment, else HOME/fixtures/companies."""
        return override or self.companies_dir or self.home / "fixtures" / "companies"

    def sources(self, companies_dir: Path | None = None, taxonomy_dir: Path | None = None) -> Sources:
        """Where a run reads its data: each folder from its flag, else the environment, else the project."""
        return Sources(
            companies_dir=self.resolved_companies_dir(companies_dir),
            taxonomy_dir=self.resolved_taxonomy_dir(taxonomy_dir),
            prompts_dir=self.resolved_prompts_dir(),
            taxonomy_cache_dir=self.resolved_cache_dir(),
        )

    def endpoint(
        self,
        mode: RecordMode = RecordMode.REPLAY,
        *,
        base_url: str | None = None,
        model: str | None = None,
        timeout_seconds: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Endpoint:
        """The model endpoint: each value from its flag, else the environment, else the default."""
        return Endpoint(
            recordings_dir=self.resolved_recordings_dir(),
            mode=mode,
            base_url=base_url or self.openai_base_url or DEFAULT_BASE_URL,
            model=model or self.model_for(mode),
            api_key=self.api_key(),
            timeout_seconds=timeout_seconds if timeout_seconds is not None else DEFAULT_TIMEOUT_SECONDS,
            retry=retry or RetryPolicy(),
        )

    def draft_options(
        self,
        engine: Engine = Engine.LLM,
        *,
        concurrency: int | None = None,
        max_repairs: int | None = None,
        max_output_tokens: int | None = None,
        max_tokens_per_report: int | None = None,
        max_cost: float | None = None,
    ) -> DraftOptions:
        """How to draft: the flags given, the concurrency from NAFTIKO_WRITER_CONCURRENCY when not, else defaults."""
        return DraftOptions(
            engine=engine,
            concurrency=concurrency or self.concurrency,
            max_repairs=DEFAULT_MAX_REPAIRS if max_repairs is None else max_repairs,
            max_output_tokens=max_output_tokens,
            max_tokens_per_report=max_tokens_per_report,
            max_cost=max_cost,
        )


def _environment(fields: tuple[str, ...]) -> dict[str, str]:
    """The given fields' values in the environment, by field name (variable names in any case)."""
    by_name = {name.upper(): value for name, value in os.environ.items()}
    return {field: by_name[variable_of(field)] for field in fields if variable_of(field) in by_name}


def _path(value: str | None) -> Path | None:
    """A path from a variable; unset or empty is None."""
    return Path(value) if value else None
