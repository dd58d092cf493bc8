"""`make bench`: throughput and latency of five canonical storefront queries against a real server."""
