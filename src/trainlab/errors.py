"""Errors a user can act on.

Every message names the file, key or argument that was wrong, the bad value and
what is allowed. The CLI prints these as one line and exits with code 2; any
other exception is a bug and keeps its traceback.
"""


class TrainlabError(Exception):
    """Base class for user-facing errors (bad input, missing files)."""


class ConfigError(TrainlabError, ValueError):
    """An argument or configuration value is not allowed."""


class SpecError(ConfigError):
    """A study spec (TOML) is invalid; the message names the file and the key."""


class DataError(TrainlabError, ValueError):
    """A data file exists but is malformed (bad magic, truncated, checksum mismatch)."""


class DataNotFoundError(TrainlabError, FileNotFoundError):
    """A dataset could not be found locally nor downloaded."""


class RecordError(TrainlabError, ValueError):
    """A saved record or run directory is missing files or has an unknown format."""


class CaptureLimitError(TrainlabError, RuntimeError):
    """Full tensor capture would exceed the configured memory cap."""
