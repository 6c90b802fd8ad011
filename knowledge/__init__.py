"""The CNCF knowledge engine: question text in, a typed Answer out. No Slack, no I/O but its data."""
