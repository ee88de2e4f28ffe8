"""The public directory of approved partners, and partnership terms."""
