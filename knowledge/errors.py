"""Errors a maintainer can cause by editing the knowledge files."""


class KnowledgeError(Exception):
    """Bad knowledge data: the message names the file, the line and what is wrong."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]
