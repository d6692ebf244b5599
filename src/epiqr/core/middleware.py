from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptApi(LoginRequiredMiddleware):
    """Pages need a login unless marked `@login_not_required`; the API checks its own tokens."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
