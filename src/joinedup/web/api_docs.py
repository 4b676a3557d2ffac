"""The API docs page (Swagger UI), served from the package's own files under the site's content
security policy: it works offline and loads nothing from elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import public

Anyone = Annotated[Principal | None, Depends(public())]

# No inline script or style: the page's one script is a static file (static/api-docs.js).
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>joinedup API</title>
  <link rel="icon" href="/static/vendor/nhsuk/assets/images/favicon.ico">
  <link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <noscript>The API document is at <a href="{openapi_url}">{openapi_url}</a>.</noscript>
  <script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""


def docs_router(openapi_url: str) -> APIRouter:
    """The docs page, reading the OpenAPI document at `openapi_url`."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs", response_class=HTMLResponse)
    def api_docs(_: Anyone) -> HTMLResponse:
        return HTMLResponse(PAGE.format(openapi_url=openapi_url))

    return router
