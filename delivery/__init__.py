"""Media delivery: masters, encodes, their disk cache, signed download links and artwork.

Nothing here knows the graph or HTTP; `api.media` joins them.
"""
