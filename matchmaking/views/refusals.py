"""How a page tells a member why something they asked for was refused."""

from django.core.exceptions import ValidationError


def refusal_text(error: ValidationError) -> str:
    """A service's refusal as one message, for the top of the next page."""
    return " ".join(error.messages)
