"""What drf-spectacular needs to describe our authentication in the schema
(loaded by the app's ``ready``)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "workflows.api.authentication.TokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cdcs_…",
                "description": "Mã truy cập cá nhân / a personal access token (/api/tokens/)."}
