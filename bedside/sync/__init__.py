"""Sync after outages (DESIGN 7): hubs, push and pull, and the exchange that runs one sync."""
