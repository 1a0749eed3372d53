"""Pages: setup.py for campaign administrators (desktop), fieldwork.py for cadres (phone)."""
