"""The matching engine: pure Python and OR-Tools, no Django (see DESIGN.md, Matching)."""
