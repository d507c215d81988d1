"""What the sign-in lockout (django-axes) counts a failed sign-in against."""

from django.conf import settings

# axes keeps the username it counts against in a column this long.
USERNAME_COLUMN = 255


def username_for_lockout(request, credentials=None) -> str | None:
    """The username typed, as axes would read it, made fit to store.

    axes stores it as typed: a longer one, or one holding a NUL character (which
    PostgreSQL cannot store), made the sign-in page fail instead of saying the
    password was wrong.  No username is that long (the app's stop at 150
    characters), so cutting it locks out no one who has a login.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "")[:USERNAME_COLUMN]
