"""The inbound conversation: the pipeline every text and call passes (pipeline.py), in the
order written in order.py; the first reads (arrival.py), the replay guard, sessions, caller
words, rate limits and their notices, volunteer SMS commands, the capabilities registry.

Flask-free: plain values in, plain values out (docs/architecture.md).
"""
