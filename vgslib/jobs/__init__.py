"""Running things: the notebook runner (papermill), the grid of runs (dask.distributed), and the main job."""
