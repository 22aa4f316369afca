"""What the tests and the benchmarks share: a Streamlit server to test against, and protocol sessions.

The rule: tests never import bench/; bench/ may import tests.support.
"""
