"""Import of spreadsheets into any registered type: files, fields, the engine and the
wizard's services."""
