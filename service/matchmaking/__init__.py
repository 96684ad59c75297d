"""Matchmaking: the match-run workflow, and the only importer of ``matching``.

It loads a cohort from the database (``cohort``), turns run parameters into the
engine's (``parameters``), runs and stores a match (``runs``), decides on its
proposals (``decisions``), ranks mentors for one mentee (``suggestions``),
names what keeps a pair apart (``eligibility``) and writes the review as a
spreadsheet (``exports``). ``crud`` sits below it and
imports neither ``matching`` nor this package.
"""
