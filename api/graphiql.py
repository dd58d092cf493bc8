"""GraphiQL served entirely by tunegraph: the page and its vendored assets (no CDN)."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.http.base import BaseRequestProtocol

from api.http import GraphQLApp

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
DOCS_PATH = "/docs"
GUIDE = f"{DOCS_PATH}/getting-started.md"

EXAMPLE_QUERY = """\
# Welcome to tunegraph. Press the run button (or Ctrl-Enter) to run this storefront query.
# The Docs pane (book icon, left) describes every type, field and argument.
# The guide for frontend teams: /docs/getting-started.md (linked below the response).
#
# The catalog needs no token. To act as a customer (viewer, purchase), make a token:
#   tunegraph token --customer 1 --scope purchases:write
# and set it in the Headers tab: {"Authorization": "Bearer <the token>"}

query Storefront {
  albums(first: 5, orderBy: {field: POPULARITY, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...AlbumCard } }
  }
  album(id: "QWxidW06MQ==") {
    ...AlbumCard
    tracks { trackNumber title durationMs }
  }
}

fragment AlbumCard on Album {
  id
  title
  releaseDate
  artist { name }
  offers(territory: "US") { format price { amount currency } }
}
"""
"""The query GraphiQL opens with: the best sellers, then Chinook's album 1, through one fragment."""

EXAMPLE_HEADERS = '{\n  "Authorization": ""\n}'
"""An empty Authorization header counts as none, so the example runs until a token is pasted in."""

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
    const hint = React.createElement("div", {{ className: "tunegraph-hint", style: {{ padding: "8px 12px" }} }},
      "A customer token: tunegraph token --customer 1 --scope purchases:write, then ",
      React.createElement("code", null, '"Authorization": "Bearer <token>"'),
      " in Headers. ",
      React.createElement("a", {{ href: {guide}, target: "_blank" }}, "Getting started"));
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher,
        query: params.get("query") || undefined,
        variables: params.get("variables") || undefined,
        defaultQuery: {example},
        defaultHeaders: {headers},
        defaultEditorToolsVisibility: "headers",
        onEditQuery: keep("query"),
        onEditVariables: keep("variables"),
        shouldPersistHeaders: false,
      }},
        React.createElement(GraphiQL.Logo, null, "tunegraph"),
        React.createElement(GraphiQL.Footer, null, hint))
    );
  </script>
</body>
</html>
"""


def page() -> str:
    """The GraphiQL page, loading only tunegraph's own assets."""
    return PAGE.format(assets=ASSETS_PATH, example=_js(EXAMPLE_QUERY), headers=_js(EXAMPLE_HEADERS), guide=_js(GUIDE))


def _js(text: str) -> str:
    """A JavaScript string literal that cannot end the <script> element it sits in."""
    return json.dumps(text).replace("<", "\\u003c")


def assets() -> Mount:
    """The route serving the vendored GraphiQL, React and ReactDOM builds."""
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")


async def _doc(request: Request) -> Response:
    name = request.path_params["name"]
    found = {p.name: p for p in DOCS_DIR.glob("*.md")}.get(name)
    if found is None:
        raise HTTPException(404, f"no document {name!r}")
    return PlainTextResponse(found.read_text(encoding="utf-8"), media_type="text/plain; charset=utf-8")


def docs() -> Route:
    """The route serving the guides in docs/ as text (Markdown), linked from GraphiQL."""
    return Route(DOCS_PATH + "/{name}", _doc, name="docs")


class GraphQLWithGraphiQL(GraphQLApp):
    """The GraphQL endpoint; a browser (Accept: text/html) gets the offline GraphiQL, `?query=` prefilled."""

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return True
        return super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(page())
