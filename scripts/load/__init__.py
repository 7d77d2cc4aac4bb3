"""The parts of the load test that scripts/load_test.py (`make load`) drives.

locustfile.py is not imported from here: locust loads it by path, in its own
process.
"""
