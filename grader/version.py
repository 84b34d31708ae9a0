"""The grader's version string, recorded with every score so a regrade can say which rules produced it."""

GRADER_VERSION = "ujian-grader/1"
