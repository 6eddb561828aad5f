"""Python side of the customer segmentation dbt project.

Modules:
- ``segmentation.generate``: deterministic, realistic and dirty raw data generator.
- ``segmentation.contract``: the raw data contract (tables, columns, accepted values).
"""
