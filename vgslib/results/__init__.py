"""From run directories to results: tables, the study's statistics, and the embedding geometry. Reads runs;
never trains."""
