"""The job that runs the transcript tests on a staff member's draft of the scripts
(hotline.scripts.drafts.run_tests with the transcript runner)."""

from __future__ import annotations

from hotline import job_context as context
from hotline.scripts import drafts as script_drafts
from hotline.transcripts import run_directory


def run_tests(run_id: str) -> str:
    """Run the transcript tests of draft run `run_id`; the results go back to Redis."""
    return script_drafts.run_tests(context.connection(), context.config(), run_id,
                                   run_directory)
