"""Matrix engine: run the reference patterns on many interpreters."""
