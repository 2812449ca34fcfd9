"""The analyst's scale: key results per workbook (:mod:`.evaluation`), sweeps over many
points (:mod:`.grid`, :mod:`.sweep`, on one machine or a Dask cluster) and scenario
comparisons (:mod:`.compare`)."""
