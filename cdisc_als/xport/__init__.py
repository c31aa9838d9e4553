"""SAS transport (XPT) version 5: a strict, fast, reproducible writer and a robust reader."""
from cdisc_als.xport.dates import to_sas_date, to_sas_datetime
from cdisc_als.xport.model import EncodingIssue, WriteReport, XptDataset, XptFolder, XptMetadata, XptVariable
from cdisc_als.xport.read import read_xpt, read_xpt_folder, read_xpt_metadata
from cdisc_als.xport.write import write_xpt

__all__ = ["write_xpt", "read_xpt", "read_xpt_folder", "read_xpt_metadata", "XptDataset", "XptFolder", "XptMetadata",
           "XptVariable", "EncodingIssue", "WriteReport", "to_sas_date", "to_sas_datetime"]
