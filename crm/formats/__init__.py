"""Date and number formats of the CRM's two languages (FORMAT_MODULE_PATH)."""
