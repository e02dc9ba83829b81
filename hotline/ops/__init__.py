"""Running the line: metrics, the job worker and its recovery sweep, the demo's sample data."""
