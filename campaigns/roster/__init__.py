"""Roster import: read a spreadsheet, check every row, then write all of it or nothing.

files.py reads .xlsx/.csv into rows, kinds.py knows each kind of roster
(its columns, its checks, how it is written), runner.py runs an ImportJob.
"""
