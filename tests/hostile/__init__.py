"""Hostile inputs and faults (issue 14): one module per class of mistake, each case asserting
the message and that nothing on disk was lost."""
