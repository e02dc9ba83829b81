"""The inbound conversation: the pipeline every text and call passes (pipeline.py), in the
order written in order.py; the first reads (arrival.py), the replay guard, sessions, caller
words, rate limits and their notices, volunteer SMS commands, the capabilities registry.

Flask-free: plain values in, plain values out (docs/architecture.md).

The records made on every webhook (Inbound, Context, Arrival, Facts, CapabilityContext,
Answer) are plain slotted dataclasses, not frozen ones: a frozen dataclass's
__init__ sets each field through object.__setattr__, and those calls were about 5 % of a
webhook's instructions (bench/instructions.py). Nothing changes one of them once made; a
changed copy is made with dataclasses.replace, as before. The engine's own values (actions,
inputs, steps, results) stay frozen.
"""
