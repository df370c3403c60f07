"""The one exception type a field parser raises when a value cannot be normalised."""


class FieldError(ValueError):
    """A value that cannot be normalised; `reason` says why in words a data engineer can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
