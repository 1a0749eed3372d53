"""Roster import: reading a spreadsheet and checking every row; this package writes nothing.

files.py reads .xlsx/.csv into rows, kinds.py knows each kind of roster (its columns, its checks, the
records it prepares). The services write them: campaigns/services/import_jobs.py runs an ImportJob, and
campaigns/services/roster.py writes a checked file, all of it or nothing.
"""
