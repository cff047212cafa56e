"""Custom callbacks (LossHistory, Throughput) and the factory building the configured list."""
