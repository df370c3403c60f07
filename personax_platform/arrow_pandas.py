"""Arrow → pandas conversion that keeps missing values missing.

Integers and strings become pandas nullable dtypes (a missing birth year stays <NA>, not 1.9e3-ish floats or the
string 'None'); floats stay numpy float64 with NaN, which every numeric library downstream expects.
"""
import pandas as pd
import pyarrow as pa

_NULLABLE: dict[pa.DataType, object] = {
    pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
}


def to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=_NULLABLE.get)
