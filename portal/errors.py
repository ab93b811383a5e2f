class DomainError(Exception):
    """A rule of the community refuses this action; the message is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
