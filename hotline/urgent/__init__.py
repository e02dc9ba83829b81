"""Urgent cases: opening, paging and escalation, the caller's texts on a case, the dial.

This domain sits above the callback queue (a case's caller is called back through it),
so the queue cannot call in here: it reports on a case's call back instead, and this
package follows those reports from the moment it is imported (urgent/followup.py).
"""

from hotline.callbacks import follow as _follow
from hotline.urgent.followup import follow_callback as _follow_callback

_follow.follow(_follow_callback)
