"""Spreadsheets: the files coordinators work in, as CSV or xlsx.

``formats`` reads and writes tables (encodings, delimiters, formula neutralising);
``registers`` imports and exports the mentors and mentees.
"""
