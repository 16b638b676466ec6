"""The OpenAPI schema's shared parts: the error answers every operation may give, the token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {"$ref": "#/components/schemas/Error"}
# What any operation may answer besides its own success: the client's mistakes, in one format.
COMMON_ERRORS = {
    "400": "The request is not valid: `fields` says why, field by field.",
    "401": "Not logged in, or the token is not valid on this host.",
    "403": "Not allowed for this user or token.",
    "404": "No such object in this section (or not yours to see).",
    "405": "Method not allowed.",
    "406": "Only JSON is served.",
    "409": "The object's state does not allow it now (a message already sent...).",
    "415": "Send JSON (or a form for file uploads).",
    "429": "Too many requests: wait a minute.",
}


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: every operation documents the error format."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": True},
        },
        "required": ["code", "message", "fields"],
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method.startswith("x-") or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                content = {"application/json": {"schema": ERROR}}
                responses.setdefault(status, {"description": description, "content": content})
    return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A section's API token (`bsk_…`), made on its coordinators' page.",
        }
