"""Urgent cases: opening, paging and escalation, the caller's texts on a case, the dial."""
