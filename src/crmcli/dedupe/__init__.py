"""Find and merge duplicate customers (一客一档): name keys, matching, merge and exact unmerge."""
