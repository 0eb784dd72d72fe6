"""Published weights and their manifest (the top-level weights/ folder, shipped in the wheel)."""
