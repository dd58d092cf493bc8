"""Recommendations from a users x items interactions matrix; knows nothing of the graph or API.

Modules: `matrix` (interactions), `weighting` (BM25), `train` (the production ALS model), `model`
(fold-in), `serve` (online top-k), `ranking` (top-k selection), `ann` (IVF index), `blend` (learned and
cold-start picks), `store` (versioned files), `holder` (the served version's lifecycle), `blas`,
`synthetic`, `evaluate` and `offline` (the `tunegraph recs` commands).
"""
