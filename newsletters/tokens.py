"""Signed links in newsletter e-mails: confirm a sign-up, unsubscribe.

Both are signed with SECRET_KEY and a salt of their own, so one kind of token
is never accepted as the other and nothing is stored to check them.
"""

from datetime import timedelta

from django.core import signing

CONFIRM_SALT = "newsletters.confirm"
CONFIRM_MAX_AGE = timedelta(days=3)
UNSUBSCRIBE_SALT = "newsletters.unsubscribe"


class TokenExpired(Exception):
    """A genuine link, too old. ``subscriber_id`` says whose, so the page can offer a new one."""

    def __init__(self, subscriber_id: int | None = None):
        super().__init__(subscriber_id)
        self.subscriber_id = subscriber_id


class TokenInvalid(Exception):
    pass


def confirm_token(subscriber_id: int, unsubscribed_at: str) -> str:
    """A link that expires after CONFIRM_MAX_AGE.

    ``unsubscribed_at`` is the subscriber's state when it was issued: a link
    mailed before the address last unsubscribed no longer confirms it.
    """
    return signing.dumps({"s": subscriber_id, "u": unsubscribed_at}, salt=CONFIRM_SALT)


def confirm_token_read(token: str) -> tuple[int, str]:
    """(subscriber id, unsubscribed_at when issued); TokenExpired or TokenInvalid."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        # The signature is good, only old: read it again without the age
        # limit to say whose it is (and so which hub's sign-up to offer).
        data = signing.loads(token, salt=CONFIRM_SALT)
        raise TokenExpired(_subscriber_id(data)) from None
    except signing.BadSignature:
        raise TokenInvalid from None
    subscriber_id = _subscriber_id(data)
    if subscriber_id is None:
        raise TokenInvalid
    return subscriber_id, str(data.get("u", ""))


def _subscriber_id(data) -> int | None:
    if isinstance(data, dict) and isinstance(data.get("s"), int):
        return data["s"]
    return None


def unsubscribe_token(subscriber_id: int) -> str:
    """A link that never expires: old e-mails must still let people leave."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(subscriber_id)


def unsubscribe_token_read(token: str) -> int:
    try:
        subscriber_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        raise TokenInvalid from None
    if not isinstance(subscriber_id, int):
        raise TokenInvalid
    return subscriber_id
