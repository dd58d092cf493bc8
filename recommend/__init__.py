"""Recommendations from a users x items interactions matrix; knows nothing of the graph or API.

Modules: `matrix` (interactions), `train` (the production ALS model), `model` (fold-in),
`serve` (online top-k), `ann` (IVF index), `store` (versioned files, ModelHolder),
`evaluate` and `offline` (the `tunegraph recs` commands).
"""
