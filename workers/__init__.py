"""RQ job entry points, called by dotted name ("workers.calls.call_volunteer"): each reads
what a job runs with (hotline.job_context) and calls a domain. Nothing in hotline imports
this package; the worker that runs them is hotline/ops/worker.py (`hotline worker`)."""

# Jobs close call backs (autoclose, the last unanswered try, lapsed numbers): the urgent
# domain must be following them, so the case of an urgent call back closes with it.
import hotline.urgent  # noqa: F401
