"""What each report page shows: its tables and charts, one module per page.

Each builds Tables (reports/tables.py) and BarCharts (reports/charts.py)
from the figures in reports/queries/; the views choose which page to build.
"""
