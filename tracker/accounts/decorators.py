from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*roles):
    """Refuse (403) a signed-in user whose role is not one of `roles`.

    Stack it under @login_required, so anonymous visitors go to the login page.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
