"""Jobs of the callback queue (hotline.callbacks.jobs): ring a volunteer, put a request
back, text a caller once, close a call that got through. Ids only; no number in a log."""

from __future__ import annotations

from hotline import job_context as context
from hotline.callbacks import jobs


def call_volunteer(request_id: str, volunteer_id: str) -> str:
    """Ring the volunteer who took the request; the whisper asks them to press 1."""
    return jobs.call_volunteer(context.connection(), context.config(), context.now(),
                               context.transport(), request_id, volunteer_id)


def requeue_request(request_id: str) -> str:
    """Put a request whose caller did not answer back in its queue, at its old place."""
    return jobs.requeue_request(context.connection(), context.config(), request_id)


def send_tried_sms(request_id: str) -> str:
    """After the last unanswered call: one neutral SMS to the caller, then close."""
    return jobs.send_tried_sms(context.connection(), context.config(), context.now(),
                               context.transport(), request_id)


def close_if_talked(request_id: str) -> str:
    """Close a request whose call got through but which no one closed with DONE."""
    return jobs.close_if_talked(context.connection(), context.config(), context.now(),
                                request_id)


def delete_recording(request_id: str) -> str:
    """Delete a request's voice messages at Twilio (retried until Twilio confirms)."""
    return jobs.delete_recording(context.connection(), context.config(), request_id)
