"""The built-in record type templates, shipped as package data of commlog."""
