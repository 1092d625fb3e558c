"""What a reader sees: charts and media widgets for the book's pages, the chapters' computed numbers, and the
book build."""
