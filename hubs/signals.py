"""Signals `hubs` sends so that apps above it can join in without `hubs` importing them."""

from django.dispatch import Signal

# Sent by `manage.py load_reference_data` inside its transaction, after the
# regions, authorities, phases and hubs are in place. Receivers load the
# reference data their app owns and return one phrase for the command's
# summary, such as "2 new national projects".
reference_data_loaded = Signal()
