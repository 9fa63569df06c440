"""The one exception type the CLI turns into a one-line message and exit code 2."""


class TematikError(Exception):
    """A problem the user can fix: bad input, a missing model, an unreachable base model."""
