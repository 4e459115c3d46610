"""The benchmark suite: a deterministic data generator and the runner behind `make bench`."""
