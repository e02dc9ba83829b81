"""Programmes callers can join: staff data (programmes and their sessions), sign-ups with
the number sealed only while they need it, the `programme` capability the script's
programme nodes hand off to, reminders scheduled in RQ, and the domain's erase/purge."""
