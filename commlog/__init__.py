"""commlog: communication records as Markdown files with YAML front matter in git."""

__version__ = "0.1.0"
