"""A document type used only by the tests: it proves the platform's state machines (and the
generic battery) on a type declared the way leads, quotes and contracts will be."""
