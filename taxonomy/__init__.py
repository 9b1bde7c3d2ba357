"""The competency taxonomy: in-memory hierarchy, imports and steward edits."""
