"""Public routes at the site root: /v/<token> is what every venue poster's QR code opens."""

app_name = "public"
urlpatterns: list = []
