"""Recommendations from a users x items interactions matrix; knows nothing of the graph or API.

Modules: `matrix` (interactions), `weighting` (BM25 confidence), `train` (the production ALS
model), `model` (the factors and fold-in), `ranking` (top-k with exclusions), `serve` (online
top-k), `ann` (IVF index), `store` (versioned model files and the holder a server polls),
`blas` (thread limits), `synthetic` (random models for benchmarks and tests), `evaluate` and
`offline` (the `tunegraph recs` commands).
"""
