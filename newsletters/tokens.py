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
    pass


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
        raise TokenExpired from None
    except signing.BadSignature:
        raise TokenInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise TokenInvalid
    return data["s"], str(data.get("u", ""))


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
