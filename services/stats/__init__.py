"""Attendance statistics (API.md, "Statistics, reports and audit")."""
