"""RQ job functions and the worker that runs them (`hotline worker`)."""
