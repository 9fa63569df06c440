"""The exception the CLI turns into one line and exit code 2, and the warning it prints as one."""


class TematikError(Exception):
    """A problem the user can fix: bad input, a missing model, an unreachable base model."""


class TematikWarning(UserWarning):
    """A result the user should know about: the CLI prints it as one line `warning: …`."""


def reason(error: Exception) -> str:
    """The first line of a library's error message, for quoting inside one of ours."""
    text = str(error).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(error).__name__
