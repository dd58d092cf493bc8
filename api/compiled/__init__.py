"""Compiled documents: a storefront page's query turned once into one Cypher read and a shaping function.

After the limits, the token check and the rate budget, a document the plan covers is answered without
graphql-core's executor: `selection` derives shapers from the Strawberry schema (plain fields read as
Strawberry reads them, leaves serialized by their GraphQL types), `node_plan` reads a `node(id:)` page in
one query (graph/node_reads.py), and `plans` keeps plans by document text and hooks them in. Whatever a
plan does not cover, or any request it cannot answer exactly as the executor would (a bad argument, a
null where none may be), is left to Strawberry's executor.
"""
