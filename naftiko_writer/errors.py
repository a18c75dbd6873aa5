"""The error hierarchy: every failure a user can cause is one of these.

Messages say what failed, where, and what to do next; `cli/` prints them as
`Error: <message>` and exits 1.
"""


class NaftikoWriterError(Exception):
    """Base class of every error a user can cause."""


class ConfigError(NaftikoWriterError):
    """Settings, flags or environment are wrong or missing."""


class InputError(NaftikoWriterError):
    """A company or signal file is missing, unreadable or invalid."""


class TaxonomyError(NaftikoWriterError):
    """The taxonomy files are missing, unreadable or inconsistent."""


class PromptError(NaftikoWriterError):
    """A prompt template is missing or cannot be rendered."""


class LLMError(NaftikoWriterError):
    """The model endpoint failed in a way retries could not fix."""


class EndpointError(NaftikoWriterError):
    """The model endpoint cannot be reached (connection refused, host unknown): the run stops at once."""


class ReplayMissError(NaftikoWriterError):
    """Replay mode needed a recording that does not exist."""


class DraftError(NaftikoWriterError):
    """A draft file is missing, unreadable, damaged or of another company."""


class BudgetExceededError(NaftikoWriterError):
    """A run reached its token or cost budget (the draft so far is kept and resumable)."""


class StoreError(NaftikoWriterError):
    """The edition store is missing, locked by another writer, damaged, newer than this tool, or cannot be written."""


class EditionError(NaftikoWriterError):
    """An edition, company or dimension asked of the store does not exist, or an edition cannot change (closed)."""
