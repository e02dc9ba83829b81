"""Running the line: metrics, the demo and its sample data."""
