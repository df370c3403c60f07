"""The warehouse: Parquet partition files (the lake) plus a DuckDB catalog of views over them."""
from personax_platform.warehouse.lakehouse import Lakehouse, TableRef

__all__ = ["Lakehouse", "TableRef"]
