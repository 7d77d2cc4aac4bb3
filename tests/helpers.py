import re


def page_text(response) -> str:
    """The response body with runs of whitespace collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", response.content.decode())
