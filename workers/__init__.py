"""RQ job functions and the worker that runs them (`hotline worker`)."""

# Jobs close call backs (autoclose, the last unanswered try, lapsed numbers): the urgent
# domain must be following them, so the case of an urgent call back closes with it.
import hotline.urgent  # noqa: F401
