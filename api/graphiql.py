"""GraphiQL served entirely by tunegraph: the page and its vendored assets (no CDN)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from strawberry.http.base import BaseRequestProtocol

from api.http import GraphQLApp

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>tunegraph GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
  <script>
    const params = new URLSearchParams(window.location.search);
    function keep(name) {{
      return (value) => {{
        if (value) params.set(name, value); else params.delete(name);
        history.replaceState(null, "", "?" + params.toString());
      }};
    }}
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher,
        query: params.get("query") || undefined,
        variables: params.get("variables") || undefined,
        onEditQuery: keep("query"),
        onEditVariables: keep("variables"),
        shouldPersistHeaders: false,
      }})
    );
  </script>
</body>
</html>
"""


def page() -> str:
    """The GraphiQL page, loading only tunegraph's own assets."""
    return PAGE.format(assets=ASSETS_PATH)


def assets() -> Mount:
    """The route serving the vendored GraphiQL, React and ReactDOM builds."""
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")


class GraphQLWithGraphiQL(GraphQLApp):
    """The GraphQL endpoint; a browser (Accept: text/html) gets the offline GraphiQL, `?query=` prefilled."""

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return True
        return super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(page())
