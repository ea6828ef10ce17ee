"""Analysis layer: UHC metrics, data quality, time-to-UHC projections and findings.

Takes frames from the transform layer and returns frames; never imports plotting.
"""
