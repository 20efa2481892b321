"""The model-based test of the two-way sync (issue 29): the world it drives, the reference
model it checks, the state machine that interleaves them."""
