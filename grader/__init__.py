"""Pure grading, canonical encoding and verification: what an independent auditor runs."""
