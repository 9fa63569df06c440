"""The one exception type the CLI turns into a one-line message and exit code 2."""


class TematikError(Exception):
    """A problem the user can fix: bad input, a missing model, an unreachable base model."""


def reason(error: Exception) -> str:
    """The first line of a library's error message, for quoting inside one of ours."""
    text = str(error).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(error).__name__
