"""Webhook delivery: signing, target checks and the runner that sends the change feed to partners."""
